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


#: Protocols that libvirt, hence consolehub, never implements.
NOT_IMPLEMENTED = ('rdp', 'mks')


def console_url(req, instance, protocol, console_type):
    """A new console URL of ``(protocol, console_type)`` for ``instance``.

    Errors as Nova's (compute API reference, "Server Consoles"):

    :raises webob.exc.HTTPBadRequest: a pair Nova does not know, one we do
        not serve (``console.types.SUPPORTED``) or the guest lacks.
    :raises webob.exc.HTTPNotImplemented: RDP and MKS consoles.
    :raises webob.exc.HTTPNotFound: the instance is gone.
    :raises webob.exc.HTTPConflict: the instance is not ACTIVE.
    :raises webob.exc.HTTPServiceUnavailable: its host is down or silent.
    """
    pair = (protocol, console_type)
    if pair not in console_types.KNOWN:
        raise webob.exc.HTTPBadRequest(
            explanation='Console type %s is not valid for protocol %s.' % (
                console_type, protocol))
    if protocol in NOT_IMPLEMENTED:
        raise webob.exc.HTTPNotImplemented(
            explanation='%s consoles are not implemented by this '
                        'service.' % protocol.upper())
    if pair not in console_types.SUPPORTED:
        raise webob.exc.HTTPBadRequest(
            explanation='Unavailable console type %s.' % console_type)
    try:
        return util.compute_api(req).get_console(
            util.request_context(req), instance, protocol, console_type)
    except exception.InstanceNotFound as error:
        raise webob.exc.HTTPNotFound(explanation=str(error))
    except exception.InstanceInvalidState as error:
        raise webob.exc.HTTPConflict(explanation=str(error))
    except exception.ConsoleTypeUnavailable as error:
        raise webob.exc.HTTPBadRequest(explanation=str(error))
    except exception.ComputeHostUnavailable as error:
        raise webob.exc.HTTPServiceUnavailable(explanation=str(error))


def create_remote_console(req):
    """Mint a console token for an ACTIVE instance and return its URL."""
    context = util.request_context(req)
    instance = instance_handlers.get_instance(req,
                                              req.urlvars['server_id'])
    policy.authorize(context, console_policies.CREATE,
                     {'project_id': instance['project_id']})
    body = util.extract_json(req, schema.CREATE)['remote_console']
    url = console_url(req, instance, body['protocol'], body['type'])
    return util.json_response(req, {'remote_console': {
        'protocol': body['protocol'], 'type': body['type'], 'url': url}})
