"""Nova's ``/v2.1/servers``: our instances, shaped as Nova's servers.

Lists and shows follow Nova's compute API reference ("Servers"): the
``name`` filter is a regular expression searched anywhere in the name;
``status`` (from 2.38 400 if it names no status Nova has),
``flavor``, ``image``, ``changes-since`` (which adds the
servers deleted since, while their rows are kept), ``changes-before``
(2.66+, the same up to a time) and, from 2.26, the
tag filters ``tags``, ``tags-any``, ``not-tags`` and ``not-tags-any``
filter for everyone,
``host``, ``deleted`` and ``tenant_id``/``project_id`` (with
``all_tenants``) for administrators only, and are ignored for others, as
Nova ignores them; ``limit``/``marker`` page with a ``servers_links``
"next" link, and an administrator sees every project only with
``all_tenants``. Instances are
the same rows ``/instances`` serves; a server shows the flavor it was
made from (:mod:`consolehub.objects.flavor`).
"""

import base64
import binascii
import secrets
import string
import urllib.parse

from oslo_utils import strutils
from oslo_utils import timeutils
import re2
import webob.exc

from consolehub.api import microversion
from consolehub.api.schemas import server_tags as tag_schema
from consolehub.api.schemas import servers as schema
from consolehub.api import util
from consolehub.api.views import links
from consolehub.api.views import servers as views
from consolehub.conf import CONF
from consolehub import exception
from consolehub.objects import flavor as flavor_obj
from consolehub.objects import instance_metadata as metadata_obj
from consolehub import policy
from consolehub.policies import servers as server_policies

#: Bytes RE2 may use for one compiled name filter.
_NAME_FILTER_MEMORY = 1 << 20

#: How many rows one query reads while filtering a list by name.
_BATCH = 200

#: The one availability zone, Nova's default name for it.
_ZONE = 'nova'

#: A made adminPass: Nova's default ``password_length`` and symbols
#: without the look-alikes it leaves out.
_PASSWORD_LENGTH = 12
_PASSWORD_SYMBOLS = ''.join(
    symbol for symbol in string.ascii_letters + string.digits
    if symbol not in 'lIO01')


#: Every server status Nova knows (``nova.api.openstack.common``'s
#: state map); from 2.38 a list filter naming none of them is 400.
NOVA_STATUSES = frozenset((
    'ACTIVE', 'BUILD', 'CONFIRMING_RESIZE', 'DELETED', 'ERROR',
    'HARD_REBOOT', 'MIGRATING', 'PASSWORD', 'PAUSED', 'REBOOT', 'REBUILD',
    'RESCUE', 'RESIZE', 'REVERT_RESIZE', 'SHELVED', 'SHELVED_OFFLOADED',
    'SHUTOFF', 'SOFT_DELETED', 'SUSPENDED', 'VERIFY_RESIZE'))


def _rule(action):
    return server_policies.PREFIX % action


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


def _changes_time(query, name):
    """A ``changes-since`` or ``changes-before`` parameter as a naive UTC
    datetime."""
    try:
        return timeutils.normalize_time(timeutils.parse_isotime(query[name]))
    except ValueError:
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid filter field: %s.' % name)


def _last_segment(ref):
    """An id given as such or as a URL ending in it."""
    return ref.rstrip('/').rsplit('/', 1)[-1]


def _project_and_filters(req, context, query):
    """The project to list (None: all) and the filters the database
    applies. As Nova, ``host``, ``deleted`` and ``tenant_id``/
    ``project_id`` are admins' filters, which other callers' lists
    ignore; a project is picked only with ``all_tenants``."""
    filters = {}
    if 'image' in query:
        filters['image_ref'] = _last_segment(query['image'])
    if 'changes-since' in query:
        filters['changes_since'] = _changes_time(query, 'changes-since')
        # Nova lists the servers deleted since then too.
        filters['deleted'] = None
    if 'changes-before' in query and microversion.is_at_least(req, '2.66'):
        filters['changes_before'] = _changes_time(query, 'changes-before')
        filters['deleted'] = None
        if filters['changes_before'] < filters.get(
                'changes_since', filters['changes_before']):
            raise webob.exc.HTTPBadRequest(
                explanation='The value of changes-since must be less than '
                            'or equal to changes-before.')
    if context.is_admin:
        if 'host' in query:
            filters['host'] = query['host']
        if 'deleted' in query:
            filters['deleted'] = strutils.bool_from_string(query['deleted'])
    if not _all_tenants(query):
        # As in Nova, an administrator lists their own project unless
        # they ask for all of them.
        return context.project_id, filters
    policy.authorize(context, server_policies.ALL_TENANTS,
                     {'project_id': context.project_id})
    project_id = None
    if context.is_admin:
        project_id = query.get('project_id') or query.get('tenant_id')
    return project_id or None, filters


def _matcher(req, query):
    """The test of the filters SQL does not apply (``name`` as a regular
    expression, ``status`` as a server shows it, ``flavor``), or None."""
    tests = []
    if 'name' in query:
        pattern = name_filter(query['name'])
        tests.append(lambda instance: pattern.search(instance['name']))
    statuses = {status.upper() for status in req.GET.getall('status')}
    if (statuses and microversion.is_at_least(req, '2.38') and
            not statuses & NOVA_STATUSES):
        raise exception.ServerStatusInvalid()
    if statuses:
        tests.append(
            lambda instance: views.server_status(instance) in statuses)
    if 'flavor' in query:
        flavor_id = _last_segment(query['flavor'])
        tests.append(
            lambda instance: flavor_obj.flavor_id_of(instance) == flavor_id)
    if not tests:
        return None
    return lambda instance: all(test(instance) for test in tests)


def _page(req, context, query):
    """The instances of this page and the limit that cut it.

    Project, host, image, time and paging are filtered in SQL; the rest
    (:func:`_matcher`) on the rows found.
    """
    limit = min(int(query.get('limit', CONF.api.max_limit)),
                CONF.api.max_limit)
    matches = _matcher(req, query)
    project_id, filters = _project_and_filters(req, context, query)
    filters.update(_tag_filters(req, query))
    compute = util.compute_api(req)
    marker = query.get('marker')
    if matches is None:
        return compute.get_all(context, limit, marker, project_id,
                               filters), limit
    found = []
    while len(found) < limit:
        batch = compute.get_all(context, _BATCH, marker, project_id,
                                filters)
        for instance in batch:
            if matches(instance):
                found.append(instance)
                if len(found) == limit:
                    break
        if len(batch) < _BATCH:
            break
        marker = batch[-1]['uuid']
    return found, limit


def _with_metadata(req, instances):
    """The instance dicts, each with its ``metadata`` and, from 2.26,
    its ``tags`` (one query each)."""
    compute = util.compute_api(req)
    context = util.request_context(req)
    uuids = [instance['uuid'] for instance in instances]
    found = compute.get_metadata(context, uuids)
    tags = {}
    if microversion.is_at_least(req, '2.26'):
        tags = compute.get_tags(context, uuids)
    return [dict(instance, metadata=found[instance['uuid']],
                 tags=tags.get(instance['uuid'], []))
            for instance in instances]


def _tag_filters(req, query):
    """Nova's tag filters of a list (2.26+; ignored before, as Nova
    ignores unknown filters): ``tags``, ``tags-any``, ``not-tags`` and
    ``not-tags-any``, each comma-separated tags."""
    if not microversion.is_at_least(req, '2.26'):
        return {}
    return {name.replace('-', '_'): [tag for tag in query[name].split(',')
                                     if tag]
            for name in tag_schema.LIST_FILTERS if query.get(name)}


def _next_link(req, collection, items, limit, query):
    """Nova's ``<collection>_links``: a "next" link after a full page."""
    if not items or len(items) < limit:
        return None
    params = dict(query, limit=str(limit), marker=items[-1]['id'])
    return [{'rel': 'next', 'href': '%s%s/%s?%s' % (
        req.application_url, microversion.PREFIX, collection,
        urllib.parse.urlencode(sorted(params.items())))}]


def _list(req, rule, detailed):
    context = util.authorize_own_project(req, rule)
    query = dict(req.GET.items())
    util.validate(query, schema.LIST_QUERY)
    instances, limit = _page(req, context, query)
    builder = views.ServerViewBuilder(req)
    if detailed:
        instances = _with_metadata(req, instances)
    view = builder.detail if detailed else builder.basic
    servers = [view(instance) for instance in instances]
    body = {'servers': servers}
    path = 'servers/detail' if detailed else 'servers'
    next_link = _next_link(req, path, servers, limit, query)
    if next_link:
        body['servers_links'] = next_link
    return util.json_response(req, body)


def list_servers(req):
    """``GET /v2.1/servers`` -> 200 ``{"servers": [{id, name, links}]}``."""
    return _list(req, _rule('index'), detailed=False)


def list_servers_detail(req):
    """``GET /v2.1/servers/detail`` -> 200 ``{"servers": [...]}``."""
    return _list(req, _rule('detail'), detailed=True)


def show_server(req):
    """``GET /v2.1/servers/{server_id}`` -> 200 ``{"server": {...}}``."""
    instance = util.instance_for(req, req.urlvars['server_id'],
                                 _rule('show'))
    [instance] = _with_metadata(req, [instance])
    return util.json_response(
        req, {'server': views.ServerViewBuilder(req).detail(instance)})


def _flavor(context, flavor_ref):
    """The flavor a ``flavorRef`` (an id, or a URL ending in one) names:
    one the caller may boot (400 otherwise)."""
    flavor_id = str(flavor_ref).rstrip('/').rsplit('/', 1)[-1]
    try:
        return flavor_obj.get_for_boot(context, flavor_id)
    except exception.FlavorNotFound:
        raise exception.FlavorRefInvalid(flavor_id=flavor_id)


def _image_id(image_ref):
    """The image id of an ``imageRef`` (an id or a URL ending in one), or
    None for an empty one (a diskless guest)."""
    image_ref = (image_ref or '').rstrip('/')
    return image_ref.rsplit('/', 1)[-1] or None


def _user_data(text):
    """``user_data`` checked to be base64, as Nova checks it."""
    if text is not None:
        try:
            base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise exception.UserDataInvalid()
    return text


def _create_extra(body):
    """The instance columns of a create body's optional fields."""
    return {
        'description': body.get('description'),
        'access_ip_v4': body.get('accessIPv4'),
        'access_ip_v6': body.get('accessIPv6'),
        'disk_config': body.get('OS-DCF:diskConfig', 'MANUAL'),
        'user_data': _user_data(body.get('user_data')),
    }


def _check_networks(requested):
    """Refuse a list of networks: none exists (``auto`` and ``none``
    both give a server without addresses).

    :raises PortNotFound, NetworkNotFound: 400, for the first one.
    """
    if isinstance(requested, list) and requested:
        first = requested[0]
        if first.get('port'):
            raise exception.PortNotFound(port_id=first['port'])
        raise exception.NetworkNotFound(network_id=first.get('uuid'))


def _admin_password(body):
    """The adminPass asked for, else one made as Nova makes it (12
    letters and digits)."""
    if 'adminPass' in body:
        return body['adminPass']
    return ''.join(secrets.choice(_PASSWORD_SYMBOLS)
                   for _ in range(_PASSWORD_LENGTH))


def create_server(req):
    """``POST /v2.1/servers`` -> 202 ``{"server": {id, links,
    OS-DCF:diskConfig, adminPass}}``, or ``{"reservation_id": ...}`` with
    ``return_reservation_id`` (Nova's "Create Server" and "Create
    Multiple Servers").

    Memory, vCPUs and the root disk come from ``flavorRef``; ``imageRef``
    names the image to boot (400 if it is not an active image the caller
    can see, or needs more memory or disk than the flavor has); an empty
    one makes a diskless guest. ``min_count``/``max_count`` make as many
    servers as the quotas allow between them (403 if not ``min_count``);
    the response shows the first. ``availability_zone`` may only be
    ``nova`` (400 otherwise); ``config_drive`` and scheduler hints are
    accepted and ignored. ``networks`` (required from 2.37) is ``auto``
    or ``none``, both a server without addresses; a listed network is
    400. ``tags`` (2.52+) become each server's tags.
    ``trusted_image_certificates`` (2.63+) may only be null: no image
    signature is verified here (400 for a list).
    """
    context = util.authorize_own_project(req, _rule('create'))
    request = util.extract_json(
        req, schema.create(microversion.request_version(req)))
    body = request['server']
    _check_networks(body.get('networks'))
    if body.get('trusted_image_certificates'):
        raise exception.CertificateValidationUnsupported()
    flavor = _flavor(context, body['flavorRef'])
    image_id = _image_id(body.get('imageRef'))
    for mapping in body.get('block_device_mapping_v2', []):
        if image_id not in (None, mapping['uuid']):
            raise webob.exc.HTTPBadRequest(
                explanation='imageRef and the block device mapping name '
                            'two images; boot one.')
        image_id = mapping['uuid']
    if body.get('availability_zone', _ZONE) != _ZONE:
        raise exception.AvailabilityZoneInvalid()
    min_count = int(body.get('min_count', 1))
    max_count = int(body.get('max_count', min_count))
    if min_count > max_count:
        raise exception.InstanceCountInvalid()
    metadata = body.get('metadata', {})
    metadata_obj.check_count(metadata)
    extra = dict(_create_extra(body), flavor_id=flavor['flavorid'],
                 flavor_name=flavor['name'], flavor_row_id=flavor['id'])
    password = _admin_password(body)
    reservation_id, instances = util.compute_api(req).create_many(
        context, body['name'], flavor['memory_mb'], flavor['vcpus'],
        min_count, max_count, image_id=image_id, root_gb=flavor['root_gb'],
        extra=extra, metadata=metadata, tags=body.get('tags'))
    if strutils.bool_from_string(body.get('return_reservation_id', False)):
        return util.json_response(req, {'reservation_id': reservation_id},
                                  202)
    server_links = links.links(req, 'servers', instances[0]['uuid'])
    response = util.json_response(req, {'server': {
        'id': instances[0]['uuid'], 'links': server_links,
        'OS-DCF:diskConfig': extra['disk_config'],
        'adminPass': password}}, 202)
    response.location = server_links[0]['href']
    return response


#: ``PUT /servers/{id}`` fields -> instance columns.
_UPDATABLE = {'name': 'name', 'description': 'description',
              'accessIPv4': 'access_ip_v4', 'accessIPv6': 'access_ip_v6',
              'OS-DCF:diskConfig': 'disk_config'}


def update_server(req):
    """``PUT /v2.1/servers/{server_id}`` ``{"server": {name,
    description (2.19+), accessIPv4, accessIPv6, OS-DCF:diskConfig}}``
    -> 200 ``{"server": {...}}``, the server as shown (Nova's "Update
    Server"). Fields left out keep their values."""
    instance = util.instance_for(req, req.urlvars['server_id'],
                                 _rule('update'))
    body = util.extract_json(
        req, schema.update(microversion.request_version(req)))['server']
    values = {column: body[field] for field, column in _UPDATABLE.items()
              if field in body}
    if values:
        instance = util.compute_api(req).update(
            util.request_context(req), instance['uuid'], values)
    [instance] = _with_metadata(req, [instance])
    return util.json_response(
        req, {'server': views.ServerViewBuilder(req).detail(instance)})


def delete_server(req):
    """``DELETE /v2.1/servers/{server_id}`` -> 204 once it is gone."""
    instance = util.instance_for(req, req.urlvars['server_id'],
                                 _rule('delete'))
    util.compute_api(req).delete(util.request_context(req),
                                 instance['uuid'])
    return util.json_response(req, None, 204)
