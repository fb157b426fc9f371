"""Nova's ``/v2.1/flavors`` (compute API reference, "Flavors"): anyone
lists and shows the flavors they may see (the public ones, and the
private ones shared with their project); administrators create, delete
and, from 2.55, describe them.

Deleting a flavor does not touch the servers made from it: they keep
showing its id (its link then answers 404, as Nova's).
"""

import urllib.parse

from oslo_utils import strutils

from consolehub.api import microversion
from consolehub.api.schemas import flavors as schema
from consolehub.api import util
from consolehub.api.views import flavors as views
from consolehub.conf import CONF
from consolehub import exception
from consolehub.objects import flavor as flavor_obj
from consolehub import policy
from consolehub.policies import flavors as policies
from consolehub.policies import flavors_access as access_policies
from consolehub.policies import flavors_extra_specs as spec_policies


def _may(context, rule):
    return policy.allowed(context, rule, {'project_id': context.project_id})


def _detail_views(req, context, flavors):
    """Detailed views of ``flavors``, with their extra specs from 2.61
    for callers the extra specs index policy allows."""
    specs = {}
    if (microversion.is_at_least(req, '2.61') and
            _may(context, spec_policies.INDEX)):
        specs = flavor_obj.extra_specs_of(context, flavors)
    return [views.detail(req, flavor, specs.get(flavor['id']))
            for flavor in flavors]


def _list(req, detailed):
    context = util.authorize_own_project(req, policies.INDEX)
    query = dict(req.GET.items())
    util.validate(query, schema.LIST_QUERY)
    if _may(context, access_policies.ACCESS):
        is_public, disabled = flavor_obj.parse_is_public(
            query.get('is_public')), None
    else:
        # Others see the public flavors and those shared with them.
        is_public, disabled = True, False
    limit = min(int(query.get('limit', CONF.api.max_limit)),
                CONF.api.max_limit)
    flavors = flavor_obj.get_all(
        context, is_public=is_public, disabled=disabled,
        min_memory_mb=int(query.get('minRam', 0)),
        min_root_gb=int(query.get('minDisk', 0)),
        sort_key=query.get('sort_key', 'flavorid'),
        sort_dir=query.get('sort_dir', 'asc'), limit=limit,
        marker=query.get('marker'))
    if detailed:
        body = {'flavors': _detail_views(req, context, flavors)}
    else:
        body = {'flavors': [views.basic(req, flavor) for flavor in flavors]}
    if flavors and len(flavors) == limit:
        # Nova's "next" link after a full page.
        params = dict(query, limit=str(limit), marker=flavors[-1]['flavorid'])
        body['flavors_links'] = [{'rel': 'next', 'href': '%s%s?%s' % (
            req.application_url, req.path_info,
            urllib.parse.urlencode(sorted(params.items())))}]
    return util.json_response(req, body)


def list_flavors(req):
    """``GET /v2.1/flavors`` -> 200 ``{"flavors": [{id, name, links}]}``.

    ``minRam`` (MiB) and ``minDisk`` (GiB) keep the flavors with at least
    that much; ``is_public`` (administrators: a boolean word, or ``none``
    for all) picks public or private ones; ``sort_key`` (default
    ``flavorid``) and ``sort_dir`` order them before ``marker`` (a
    flavor id; 400 if unknown) and ``limit`` page them (Nova's "List
    Flavors"); a full page has a ``flavors_links`` "next" link.
    """
    return _list(req, detailed=False)


def list_flavors_detail(req):
    """``GET /v2.1/flavors/detail`` -> 200 ``{"flavors": [...]}``, the
    full views, filtered as ``GET /v2.1/flavors``."""
    return _list(req, detailed=True)


def _flavor_response(req, context, flavor):
    [view] = _detail_views(req, context, [flavor])
    return util.json_response(req, {'flavor': view})


def show_flavor(req):
    """``GET /v2.1/flavors/{flavor_id}`` -> 200 ``{"flavor": {...}}``.

    :raises FlavorNotFound: 404, none the caller may see.
    """
    context = util.authorize_own_project(req, policies.INDEX)
    return _flavor_response(
        req, context, flavor_obj.get(context, req.urlvars['flavor_id']))


def _count(body, field, default=0):
    """A count field of a create body as an int (Nova takes digits as a
    string too), bounded as the schema bounds integers (400)."""
    value = int(body.get(field, default))
    minimum = 1 if field in ('ram', 'vcpus') else 0
    if not minimum <= value <= schema.MAX_INT:
        raise exception.Invalid(
            'Invalid input for field/attribute %s. Value: %s. must be '
            'between %s and %s' % (field, value, minimum, schema.MAX_INT))
    return value


def _rxtx_factor(body):
    value = float(body.get('rxtx_factor', 1.0))
    if not 0 < value <= 3.40282e+38:
        raise exception.Invalid(
            'Invalid input for field/attribute rxtx_factor. Value: %s.'
            % value)
    return value


def create_flavor(req):
    """``POST /v2.1/flavors`` ``{"flavor": {name, ram, vcpus, disk, id?,
    OS-FLV-EXT-DATA:ephemeral?, swap?, rxtx_factor?,
    os-flavor-access:is_public?, description? (2.55+)}}`` -> 200
    ``{"flavor": {...}}``; an absent or null ``id`` is a new UUID.

    :raises FlavorIdExists, FlavorExists: 409, a flavor has that id or
        that name.
    """
    context = util.authorize_own_project(req, policies.CREATE)
    body = util.extract_json(
        req, schema.create(microversion.request_version(req)))['flavor']
    flavorid = body.get('id')
    flavor = flavor_obj.create(
        context, body['name'], _count(body, 'ram'), _count(body, 'vcpus'),
        _count(body, 'disk'),
        flavorid=None if flavorid is None else str(flavorid),
        ephemeral_gb=_count(body, 'OS-FLV-EXT-DATA:ephemeral'),
        swap=_count(body, 'swap'), rxtx_factor=_rxtx_factor(body),
        is_public=strutils.bool_from_string(
            body.get('os-flavor-access:is_public', True), strict=True),
        description=body.get('description'))
    return _flavor_response(req, context, flavor)


@microversion.versioned('2.55')
def update_flavor(req):
    """``PUT /v2.1/flavors/{flavor_id}`` ``{"flavor": {"description"}}``
    (2.55+) -> 200 ``{"flavor": {...}}``: only the description changes.

    :raises FlavorNotFound: 404, no such flavor.
    """
    context = util.authorize_own_project(req, policies.UPDATE)
    body = util.extract_json(req, schema.UPDATE)['flavor']
    flavor = flavor_obj.update_description(
        context, req.urlvars['flavor_id'], body['description'])
    return _flavor_response(req, context, flavor)


def delete_flavor(req):
    """``DELETE /v2.1/flavors/{flavor_id}`` -> 202, no body. Servers made
    from it keep showing its id.

    :raises FlavorNotFound: 404, no such flavor.
    """
    context = util.authorize_own_project(req, policies.DELETE)
    flavor_obj.destroy(context, req.urlvars['flavor_id'])
    return util.json_response(req, None, 202)
