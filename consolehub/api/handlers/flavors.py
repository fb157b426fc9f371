"""Nova's ``/v2.1/flavors``: the built-in sizes ``POST /servers`` takes."""

from consolehub.api.schemas import servers as schema
from consolehub.api import util
from consolehub.api.views import flavors as views
from consolehub import exception
from consolehub.objects import flavor as flavor_obj
from consolehub.policies import servers as server_policies


def _list(req, view):
    util.authorize_own_project(req, server_policies.FLAVORS)
    query = dict(req.GET.items())
    util.validate(query, schema.FLAVOR_LIST_QUERY)
    found = [flavor for flavor in flavor_obj.FLAVORS
             if flavor.memory_mb >= int(query.get('minRam', 0)) and
             flavor.disk >= int(query.get('minDisk', 0))]
    if 'marker' in query:
        ids = [flavor.id for flavor in found]
        if query['marker'] not in ids:
            raise exception.MarkerNotFound(marker=query['marker'])
        found = found[ids.index(query['marker']) + 1:]
    if 'limit' in query:
        found = found[:int(query['limit'])]
    return util.json_response(
        req, {'flavors': [view(req, flavor) for flavor in found]})


def list_flavors(req):
    """``GET /v2.1/flavors`` -> 200 ``{"flavors": [{id, name, links}]}``.

    ``minRam`` (MiB) and ``minDisk`` (GiB) keep the flavors with at least
    that much, before ``marker`` and ``limit`` page them (Nova's "List
    Flavors").
    """
    return _list(req, views.basic)


def list_flavors_detail(req):
    """``GET /v2.1/flavors/detail`` -> 200 ``{"flavors": [...]}``."""
    return _list(req, views.detail)


def show_flavor(req):
    """``GET /v2.1/flavors/{flavor_id}`` -> 200 ``{"flavor": {...}}``."""
    util.authorize_own_project(req, server_policies.FLAVORS)
    flavor = flavor_obj.get(req.urlvars['flavor_id'])
    if flavor is None:
        raise exception.FlavorNotFound(flavor_id=req.urlvars['flavor_id'])
    return util.json_response(req, {'flavor': views.detail(req, flavor)})
