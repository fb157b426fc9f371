"""Nova's ``/v2.1/servers``: our instances, shaped as Nova's servers.

Lists and shows follow Nova's compute API reference ("Servers"): the
``name`` filter is a regular expression searched anywhere in the name,
``limit``/``marker`` page with a ``servers_links`` "next" link, and an
administrator sees every project only with ``all_tenants``. Instances are
the same rows ``/instances`` serves; a server's flavor is the built-in
flavor of its size (:mod:`consolehub.compute.flavors`).
"""

import hashlib
import re2
import urllib.parse

from oslo_utils import strutils
import webob.exc

from consolehub.api.handlers import instance as instance_handlers
from consolehub.api import microversion
from consolehub.api.schemas import servers as schema
from consolehub.api import util
from consolehub.compute import flavors
from consolehub.conf import CONF
from consolehub import context as consolehub_context
from consolehub import exception
from consolehub import policy
from consolehub.policies import servers as server_policies

#: Our status -> Nova's OS-EXT-STS:vm_state and power_state.
_VM_STATES = {'BUILD': 'building', 'ACTIVE': 'active', 'SHUTOFF': 'stopped',
              'ERROR': 'error', 'DELETED': 'deleted'}
_POWER_STATES = {'ACTIVE': 1, 'SHUTOFF': 4}

#: Bytes RE2 may use for one compiled name filter.
_NAME_FILTER_MEMORY = 1 << 20

#: How many rows one query reads while filtering a list by name.
_BATCH = 200


def links(req, collection, item_id):
    """Nova's ``self`` and ``bookmark`` links of ``collection/item_id``."""
    base = req.application_url
    return [
        {'rel': 'self', 'href': '%s%s/%s/%s' % (
            base, microversion.PREFIX, collection, item_id)},
        {'rel': 'bookmark',
         'href': '%s/%s/%s' % (base, collection, item_id)},
    ]


def _allowed(context, rule, project_id):
    try:
        policy.authorize(context, rule, {'project_id': project_id})
    except webob.exc.HTTPForbidden:
        return False
    return True


def _host_status(host, services):
    if not host:
        return ''
    if host not in services:
        return 'UNKNOWN'
    return 'UP' if services[host] else 'DOWN'


class _Viewer(object):
    """Builds server views for one request (policy checks made once)."""

    def __init__(self, req):
        self.req = req
        context = util.request_context(req)
        self.extended = _allowed(context,
                                 server_policies.EXTENDED_ATTRIBUTES,
                                 context.project_id)
        self.services = None
        if (microversion.is_at_least(req, '2.16') and
                _allowed(context, server_policies.HOST_STATUS,
                         context.project_id)):
            self.services = {
                row['host']: row['is_up'] for row in
                util.compute_api(req).service_get_all(
                    consolehub_context.get_admin_context())}

    def basic(self, instance):
        return {'id': instance['uuid'], 'name': instance['name'],
                'links': links(self.req, 'servers', instance['uuid'])}

    def detail(self, instance):
        req = self.req
        status = instance['status']
        flavor_id = flavors.flavor_id_of(instance)
        host_id = ''
        if instance['host']:
            host_id = hashlib.sha224(
                (instance['project_id'] + instance['host']).encode(
                    'utf-8')).hexdigest()
        body = dict(self.basic(instance), **{
            'status': status,
            'tenant_id': instance['project_id'],
            'user_id': instance['user_id'],
            'created': util.isotime(instance['created_at']),
            'updated': util.isotime(instance['updated_at'] or
                                    instance['created_at']),
            'hostId': host_id,
            # Guests boot no image: Nova's view of a volume-backed server.
            'image': '',
            'flavor': {'id': flavor_id, 'links': [{
                'rel': 'bookmark',
                'href': '%s/flavors/%s' % (req.application_url,
                                           flavor_id)}]},
            'addresses': {},
            'metadata': {},
            'accessIPv4': '',
            'accessIPv6': '',
            'key_name': None,
            'config_drive': '',
            'OS-DCF:diskConfig': 'MANUAL',
            'OS-EXT-STS:vm_state': _VM_STATES.get(status, 'error'),
            'OS-EXT-STS:power_state': _POWER_STATES.get(status, 0),
            'OS-EXT-STS:task_state': instance['task_state'],
            'os-extended-volumes:volumes_attached': [],
        })
        if status in ('ACTIVE', 'BUILD'):
            body['progress'] = 100 if status == 'ACTIVE' else 0
        if instance['fault'] and status == 'ERROR':
            body['fault'] = {'code': 500, 'message': instance['fault'],
                             'created': body['updated']}
        if self.extended:
            body['OS-EXT-SRV-ATTR:host'] = instance['host']
            body['OS-EXT-SRV-ATTR:hypervisor_hostname'] = instance['host']
            body['OS-EXT-SRV-ATTR:instance_name'] = (
                'instance-%s' % instance['uuid'])
            if microversion.is_at_least(req, '2.3'):
                body.update({
                    'OS-EXT-SRV-ATTR:reservation_id': None,
                    'OS-EXT-SRV-ATTR:launch_index': 0,
                    'OS-EXT-SRV-ATTR:hostname': instance['name'],
                    'OS-EXT-SRV-ATTR:kernel_id': '',
                    'OS-EXT-SRV-ATTR:ramdisk_id': '',
                    'OS-EXT-SRV-ATTR:root_device_name': None,
                    'OS-EXT-SRV-ATTR:user_data': None,
                })
        if microversion.is_at_least(req, '2.9'):
            body['locked'] = False
        if self.services is not None:
            body['host_status'] = _host_status(instance['host'],
                                               self.services)
        if microversion.is_at_least(req, '2.19'):
            body['description'] = None
        if microversion.is_at_least(req, '2.26'):
            body['tags'] = []
        return body


def _all_tenants(query):
    if 'all_tenants' not in query:
        return False
    value = query['all_tenants']
    if value == '':
        return True
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError:
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid all_tenants value %r: use true or false.'
                        % value)


def name_filter(pattern):
    """The compiled regular expression of a ``name`` query parameter.

    Nova matches ``name`` as a regular expression in its database. Ours
    are matched by RE2, in time linear in the name: Python's ``re``
    backtracks, and a pattern like ``(a*)*b`` would hold a worker for
    hours. RE2 has Python's syntax but no backreferences or lookaround;
    its memory for one pattern is capped at ``_NAME_FILTER_MEMORY``.

    :param pattern: the parameter's value (str, length already bounded
        by the query schema).
    :raises webob.exc.HTTPBadRequest: if RE2 cannot compile it.
    """
    options = re2.Options()
    options.log_errors = False  # the 400 says it; no copy on stderr
    options.max_mem = _NAME_FILTER_MEMORY
    try:
        return re2.compile(pattern, options)
    except re2.error as error:
        reason = error.args[0] if error.args else ''
        if isinstance(reason, bytes):
            reason = reason.decode('utf-8', 'replace')
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid name filter %r: %s' % (pattern, reason))


def _page(req, context, query):
    """The instances of this page and the limit that cut it."""
    limit = min(int(query.get('limit', CONF.api.max_limit)),
                CONF.api.max_limit)
    name = None
    if 'name' in query:
        name = name_filter(query['name'])
    project_id = None
    if _all_tenants(query):
        policy.authorize(context, server_policies.ALL_TENANTS,
                         {'project_id': context.project_id})
    else:
        # As in Nova, an administrator lists their own project unless
        # they ask for all of them.
        project_id = context.project_id
    compute = util.compute_api(req)
    marker = query.get('marker')
    found = []
    while len(found) < limit:
        try:
            batch = compute.get_all(context, _BATCH, marker)
        except exception.InstanceNotFound:
            raise webob.exc.HTTPBadRequest(
                explanation='marker [%s] not found' % marker)
        for instance in batch:
            if project_id is not None and (
                    instance['project_id'] != project_id):
                continue
            if name is not None and not name.search(instance['name']):
                continue
            found.append(instance)
            if len(found) == limit:
                break
        if len(batch) < _BATCH:
            break
        marker = batch[-1]['uuid']
    return found, limit


def _next_link(req, collection, items, limit, query):
    """Nova's ``<collection>_links``: a "next" link after a full page."""
    if not items or len(items) < limit:
        return None
    params = dict(query, limit=str(limit), marker=items[-1]['id'])
    return [{'rel': 'next', 'href': '%s%s/%s?%s' % (
        req.application_url, microversion.PREFIX, collection,
        urllib.parse.urlencode(sorted(params.items())))}]


def _list(req, rule, detailed):
    context = util.request_context(req)
    policy.authorize(context, rule, {'project_id': context.project_id})
    query = dict(req.GET.items())
    util.validate(query, schema.LIST_QUERY)
    instances, limit = _page(req, context, query)
    viewer = _Viewer(req)
    view = viewer.detail if detailed else viewer.basic
    servers = [view(instance) for instance in instances]
    body = {'servers': servers}
    path = 'servers/detail' if detailed else 'servers'
    next_link = _next_link(req, path, servers, limit, query)
    if next_link:
        body['servers_links'] = next_link
    return util.json_response(req, body)


def list_servers(req):
    """``GET /v2.1/servers`` -> 200 ``{"servers": [{id, name, links}]}``."""
    return _list(req, server_policies.PREFIX % 'index', detailed=False)


def list_servers_detail(req):
    """``GET /v2.1/servers/detail`` -> 200 ``{"servers": [...]}``."""
    return _list(req, server_policies.PREFIX % 'detail', detailed=True)


def get_server(req, rule):
    """The caller's instance named in the path, authorized for ``rule``."""
    instance = instance_handlers.get_instance(req, req.urlvars['server_id'])
    policy.authorize(util.request_context(req), rule,
                     {'project_id': instance['project_id']})
    return instance


def show_server(req):
    """``GET /v2.1/servers/{server_id}`` -> 200 ``{"server": {...}}``."""
    instance = get_server(req, server_policies.PREFIX % 'show')
    return util.json_response(req, {'server': _Viewer(req).detail(instance)})


def _flavor(flavor_ref):
    flavor_id = str(flavor_ref).rstrip('/').rsplit('/', 1)[-1]
    flavor = flavors.get(flavor_id)
    if flavor is None:
        raise webob.exc.HTTPBadRequest(
            explanation='Flavor %s could not be found.' % flavor_id)
    return flavor


def create_server(req):
    """``POST /v2.1/servers`` -> 202 ``{"server": {id, links}}``.

    Memory and vCPUs come from ``flavorRef``; there are no images, so
    ``imageRef`` may only be empty.
    """
    context = util.request_context(req)
    policy.authorize(context, server_policies.PREFIX % 'create',
                     {'project_id': context.project_id})
    body = util.extract_json(
        req, schema.create(microversion.request_version(req)))['server']
    if body.get('imageRef'):
        raise webob.exc.HTTPBadRequest(
            explanation='Image %s could not be found: consolehub guests '
                        'boot no image; leave imageRef empty.'
                        % body['imageRef'])
    flavor = _flavor(body['flavorRef'])
    instance = util.compute_api(req).create(context, body['name'],
                                            flavor.memory_mb, flavor.vcpus)
    server_links = links(req, 'servers', instance['uuid'])
    response = util.json_response(req, {'server': {
        'id': instance['uuid'], 'links': server_links,
        'OS-DCF:diskConfig': 'MANUAL'}}, 202)
    response.location = server_links[0]['href']
    return response


def delete_server(req):
    """``DELETE /v2.1/servers/{server_id}`` -> 204 once it is gone."""
    instance = get_server(req, server_policies.PREFIX % 'delete')
    return instance_handlers.delete(req, instance)
