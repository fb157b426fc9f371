"""Glance's image API v2 under ``/image``: version discovery, images,
their tags and the schemas clients read.

Routes, bodies, status codes and errors follow the Image service API v2
reference ("Images", "Image tags", "Image Schemas", "Versions", "Quota
usage"); an
image endpoint ``http://HOST:PORT/image`` serves openstacksdk, the
``openstack image`` commands and python-glanceclient. Errors are Nova
fault bodies, as everywhere on this API.
"""

import re

import webob.exc

from consolehub.api.schemas import images as schema
from consolehub.api import util
from consolehub.api.views import images as views
from consolehub.conf import CONF
from consolehub import exception
from consolehub.image import api as image_api
from consolehub.objects import image as image_obj
from consolehub.policies import images as image_policies
from consolehub import policy

#: Where the image API lives on the API's port.
PREFIX = '/image'

#: The v2 minor versions we describe; the first is CURRENT. We serve
#: Glance's v2 image API up to 2.5 (before interoperable image import).
VERSIONS = ('2.5', '2.4', '2.3', '2.2', '2.1', '2.0')

#: The JSON-patch media types of ``PATCH`` (Glance): the value says
#: whether ``add`` of an existing property replaces it.
PATCH_MEDIA_TYPES = {
    'application/openstack-images-v2.1-json-patch': True,
    'application/openstack-images-v2.0-json-patch': False,
}


def _version_list(req):
    href = req.application_url + PREFIX + '/v2/'
    return {'versions': [
        {'id': 'v%s' % version,
         'status': 'CURRENT' if index == 0 else 'SUPPORTED',
         'links': [{'rel': 'self', 'href': href}]}
        for index, version in enumerate(VERSIONS)]}


def show_versions(req):
    """``GET /image`` and ``GET /image/``: 300 with the image API
    versions, as Glance answers its root (clients discover ``v2`` here)."""
    return util.json_response(req, _version_list(req), 300)


def list_versions(req):
    """``GET /image/versions``: 200 with the image API versions."""
    return util.json_response(req, _version_list(req))


def _context_for(req, rule, image=None):
    """Authorize ``rule`` on ``image``'s owner (or the caller's project)
    and return the request context."""
    context = util.request_context(req)
    owner = image['owner'] if image is not None else context.project_id
    policy.authorize(context, rule, {'project_id': owner})
    return context


def _authorize_visibility(req, visibility):
    if visibility == 'public':
        util.authorize_own_project(req, image_policies.PUBLICIZE)
    elif visibility == 'community':
        util.authorize_own_project(req, image_policies.COMMUNITIZE)


def _image_response(req, image, status=200):
    return util.json_response(req, views.image(image), status)


# -- images -------------------------------------------------------------------

def _bool_filter(query, name):
    return query[name] == 'true'


def _sorting(req):
    """``(sort_keys, sort_dirs)`` from ``sort_key``/``sort_dir`` (each
    repeatable) or ``sort=key:dir,...``, as Glance reads them."""
    keys = req.GET.getall('sort_key')
    dirs = req.GET.getall('sort_dir')
    if 'sort' in req.GET:
        if keys or dirs:
            raise webob.exc.HTTPBadRequest(
                explanation="The 'sort' param can not be used with "
                            "'sort_key' or 'sort_dir'.")
        for part in req.GET['sort'].split(','):
            key, _sep, direction = part.strip().partition(':')
            keys.append(key.strip())
            dirs.append(direction.strip() or 'desc')
    for key in keys:
        if key not in image_obj.SORT_KEYS:
            raise webob.exc.HTTPBadRequest(
                explanation='Invalid sort key: %s. It must be one of the '
                            'following: %s.'
                            % (key[:64], ', '.join(image_obj.SORT_KEYS)))
    for direction in dirs:
        if direction not in ('asc', 'desc'):
            raise webob.exc.HTTPBadRequest(
                explanation='Invalid sort direction: %s' % direction[:16])
    if len(dirs) > len(keys):
        raise webob.exc.HTTPBadRequest(
            explanation='Number of sort dirs does not match the number of '
                        'sort keys.')
    # A missing direction is the last one given, or desc.
    dirs += [dirs[-1] if dirs else 'desc'] * (len(keys) - len(dirs))
    return keys or None, dirs or None


def list_images(req):
    """``GET /image/v2/images`` -> 200 ``{"images", "first", "schema"
    [, "next"]}``, newest first, filtered by ``name``, ``status``,
    ``visibility``, ``owner``, ``disk_format``, ``container_format``,
    ``protected`` and ``os_hidden`` (false by default)."""
    context = util.authorize_own_project(req, image_policies.GET_ALL)
    query = dict(req.GET.items())
    if 'os_hidden' in query:
        # Glance reads it case-insensitively (openstacksdk sends "True").
        query['os_hidden'] = query['os_hidden'].lower()
    util.validate(query, schema.LIST_QUERY)
    limit = min(int(query.get('limit', CONF.image.default_limit)),
                CONF.image.max_limit)
    filters = {name: query[name] for name in
               ('name', 'status', 'visibility', 'owner', 'disk_format',
                'container_format') if name in query}
    if 'protected' in query:
        filters['protected'] = _bool_filter(query, 'protected')
    filters['os_hidden'] = query.get('os_hidden') == 'true'
    sort_keys, sort_dirs = _sorting(req)
    rows = image_api.get_all(context, filters, limit, query.get('marker'),
                             sort_keys, sort_dirs)
    return util.json_response(
        req, views.page(rows, list(req.GET.items()), limit))


def create_image(req):
    """``POST /image/v2/images`` -> 201 the new ``queued`` image.

    Read-only and reserved attributes are a 403 (as Glance); other
    attributes follow the image schema; the rest are custom properties.
    """
    context = util.authorize_own_project(req, image_policies.ADD)
    body = util.extract_json(req, {'type': 'object'})
    for name in body:
        image_api.check_attribute_name(name, creating=True)
    util.validate(body, schema.create())
    attributes = {name: value for name, value in body.items()
                  if name in image_api.WRITABLE or name == 'id'}
    properties = {name: value for name, value in body.items()
                  if name not in attributes}
    _authorize_visibility(req, attributes.get('visibility'))
    image = image_api.create(context, attributes, properties)
    response = _image_response(req, image, 201)
    response.location = '%s%s%s' % (req.application_url, PREFIX,
                                    views.image_href(image['uuid']))
    return response


def show_image(req):
    """``GET /image/v2/images/{image_id}`` -> 200 the image."""
    context = _context_for(req, image_policies.GET)
    return _image_response(req, image_api.get(context,
                                              req.urlvars['image_id']))


_POINTER_ESCAPE = re.compile('~(?![01])')


def _pointer_name(pointer):
    """The attribute a JSON pointer (RFC 6901) names: ``/name`` ->
    ``name``; only one level, as Glance allows outside locations."""
    if not pointer.startswith('/'):
        raise webob.exc.HTTPBadRequest(
            explanation='Pointer `%s` does not start with "/".' % pointer)
    if _POINTER_ESCAPE.search(pointer) or pointer.endswith('~'):
        raise webob.exc.HTTPBadRequest(
            explanation='Pointer `%s` contains "~" not part of a recognized '
                        'escape sequence.' % pointer)
    parts = pointer[1:].split('/')
    if len(parts) != 1 or not parts[0].strip():
        raise webob.exc.HTTPBadRequest(
            explanation="Invalid JSON pointer for this resource: '%s'"
                        % pointer)
    return parts[0].replace('~1', '/').replace('~0', '~').strip()


def _changes(req):
    """``(changes, add_replaces)`` of a JSON-patch request body."""
    media_type = req.content_type.lower()
    if media_type not in PATCH_MEDIA_TYPES:
        allowed = ', '.join(sorted(PATCH_MEDIA_TYPES))
        raise webob.exc.HTTPUnsupportedMediaType(
            explanation='Image PATCH expects Content-Type one of: %s'
                        % allowed, headers={'Accept-Patch': allowed})
    operations = util.json_body(req, schema.PATCH)
    changes = []
    for operation in operations:
        name = _pointer_name(operation['path'])
        image_api.check_attribute_name(name)
        value = None
        if operation['op'] != 'remove':
            if 'value' not in operation:
                raise webob.exc.HTTPBadRequest(
                    explanation='Operation "%s" requires a member named '
                                '"value".' % operation['op'])
            value = operation['value']
            util.validate({name: value}, {
                'type': 'object',
                'properties': {name: schema.attribute_value(name)}})
        changes.append((operation['op'], name, value))
    return changes, PATCH_MEDIA_TYPES[media_type]


def update_image(req):
    """``PATCH /image/v2/images/{image_id}`` (JSON patch) -> 200 the
    image."""
    context = util.request_context(req)
    image = image_api.get(context, req.urlvars['image_id'])
    _context_for(req, image_policies.MODIFY, image)
    changes, add_replaces = _changes(req)
    for _op, name, value in changes:
        if name == 'visibility':
            _authorize_visibility(req, value)
    return _image_response(req, image_api.update(
        context, image['uuid'], changes, add_replaces))


def delete_image(req):
    """``DELETE /image/v2/images/{image_id}`` -> 204; 403 if it is
    protected."""
    context = util.request_context(req)
    image = image_api.get(context, req.urlvars['image_id'])
    _context_for(req, image_policies.DELETE, image)
    image_api.delete(context, image['uuid'])
    return util.json_response(req, None, 204)


# -- tags -------------------------------------------------------------------

def _tag(req):
    tag = req.urlvars['tag']
    if not tag or len(tag) > schema.MAX_NAME:
        raise exception.ImageTagInvalid(
            tag=tag[:64], reason='a tag has 1 to %d characters'
                                 % schema.MAX_NAME)
    return tag


def add_image_tag(req):
    """``PUT /image/v2/images/{image_id}/tags/{tag}`` -> 204."""
    context = util.request_context(req)
    image = image_api.get(context, req.urlvars['image_id'])
    _context_for(req, image_policies.MODIFY, image)
    image_api.add_tag(context, image['uuid'], _tag(req))
    return util.json_response(req, None, 204)


def delete_image_tag(req):
    """``DELETE /image/v2/images/{image_id}/tags/{tag}`` -> 204; 404 if
    the image has no such tag."""
    context = util.request_context(req)
    image = image_api.get(context, req.urlvars['image_id'])
    _context_for(req, image_policies.MODIFY, image)
    image_api.remove_tag(context, image['uuid'], _tag(req))
    return util.json_response(req, None, 204)


# -- quota usage --------------------------------------------------------------

def show_usage(req):
    """``GET /image/v2/info/usage`` -> 200 ``{"usage": {name: {"limit",
    "usage"}}}`` for the caller's project, as Glance's quota usage API:
    ``image_size_total`` (MiB), ``image_count_total``,
    ``image_stage_total`` and ``image_count_uploading`` (these two are
    not limited here: -1)."""
    context = util.authorize_own_project(req, image_policies.GET_USAGE)
    return util.json_response(req, views.usage(
        image_api.usage(context, context.project_id)))


# -- schemas ------------------------------------------------------------------

def show_image_schema(req):
    """``GET /image/v2/schemas/image`` -> 200 the image schema."""
    return util.json_response(req, schema.image_schema())


def show_images_schema(req):
    """``GET /image/v2/schemas/images`` -> 200 the image list schema."""
    return util.json_response(req, schema.images_schema())
