"""Remote consoles, as Nova's ``POST /servers/{id}/remote-consoles``.

Answers 200 ``{"remote_console": {"protocol", "type", "url"}}`` (Nova API
reference, "Create Console").
"""

import webob.exc

from consolehub.api.handlers import instance as instance_handlers
from consolehub.api.schemas import remote_console as schema
from consolehub.api import util
from consolehub.console import types as console_types
from consolehub import exception
from consolehub import policy
from consolehub.policies import remote_consoles as console_policies


def create_remote_console(req):
    """Mint a console token for an ACTIVE instance and return its URL."""
    context = util.request_context(req)
    instance = instance_handlers.get_instance(req,
                                              req.urlvars['server_id'])
    policy.authorize(context, console_policies.CREATE,
                     {'project_id': instance['project_id']})
    body = util.extract_json(req, schema.CREATE)['remote_console']
    pair = (body['protocol'], body['type'])
    if pair not in console_types.KNOWN:
        raise webob.exc.HTTPBadRequest(
            explanation='Console type %s is not valid for protocol %s.' % (
                body['type'], body['protocol']))
    if pair not in console_types.SUPPORTED:
        raise webob.exc.HTTPBadRequest(
            explanation='Unavailable console type %s.' % body['type'])
    try:
        url = util.compute_api(req).get_console(
            context, instance['uuid'], body['protocol'], body['type'])
    except exception.InstanceNotFound as error:
        raise webob.exc.HTTPNotFound(explanation=str(error))
    except exception.InstanceInvalidState as error:
        raise webob.exc.HTTPConflict(explanation=str(error))
    except exception.ConsoleTypeUnavailable as error:
        raise webob.exc.HTTPBadRequest(explanation=str(error))
    except exception.ComputeHostUnavailable as error:
        raise webob.exc.HTTPServiceUnavailable(explanation=str(error))
    return util.json_response(req, {'remote_console': {
        'protocol': body['protocol'], 'type': body['type'], 'url': url}})
