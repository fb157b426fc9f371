"""Nova's ``/v2.1/flavors``: the built-in sizes ``POST /servers`` takes."""

import webob.exc

from consolehub.api.handlers import servers
from consolehub.api.schemas import servers as schema
from consolehub.api import util
from consolehub.compute import flavors
from consolehub import policy
from consolehub.policies import servers as server_policies


def _detail(req, flavor):
    return {
        'id': flavor.id, 'name': flavor.name, 'ram': flavor.memory_mb,
        'vcpus': flavor.vcpus, 'disk': 0, 'swap': '',
        'OS-FLV-EXT-DATA:ephemeral': 0, 'OS-FLV-DISABLED:disabled': False,
        'os-flavor-access:is_public': True, 'rxtx_factor': 1.0,
        'links': servers.links(req, 'flavors', flavor.id),
    }


def _basic(req, flavor):
    return {'id': flavor.id, 'name': flavor.name,
            'links': servers.links(req, 'flavors', flavor.id)}


def _authorize(req):
    context = util.request_context(req)
    policy.authorize(context, server_policies.FLAVORS,
                     {'project_id': context.project_id})


def _list(req, view):
    _authorize(req)
    query = dict(req.GET.items())
    util.validate(query, schema.FLAVOR_LIST_QUERY)
    found = list(flavors.FLAVORS)
    if 'marker' in query:
        ids = [flavor.id for flavor in found]
        if query['marker'] not in ids:
            raise webob.exc.HTTPBadRequest(
                explanation='marker [%s] not found' % query['marker'])
        found = found[ids.index(query['marker']) + 1:]
    if 'limit' in query:
        found = found[:int(query['limit'])]
    return util.json_response(
        req, {'flavors': [view(req, flavor) for flavor in found]})


def list_flavors(req):
    """``GET /v2.1/flavors`` -> 200 ``{"flavors": [{id, name, links}]}``."""
    return _list(req, _basic)


def list_flavors_detail(req):
    """``GET /v2.1/flavors/detail`` -> 200 ``{"flavors": [...]}``."""
    return _list(req, _detail)


def show_flavor(req):
    """``GET /v2.1/flavors/{flavor_id}`` -> 200 ``{"flavor": {...}}``."""
    _authorize(req)
    flavor = flavors.get(req.urlvars['flavor_id'])
    if flavor is None:
        raise webob.exc.HTTPNotFound(
            explanation='Flavor %s could not be found.'
                        % req.urlvars['flavor_id'])
    return util.json_response(req, {'flavor': _detail(req, flavor)})
