"""An image as Glance's v2 API shows it (Image service API reference,
"Show image"): every attribute, null when unknown, the custom properties
beside them, and ``self``, ``file`` and ``schema`` as paths relative to
the image endpoint, as Glance gives them."""

import urllib.parse

from consolehub.api import util

#: The image API's version prefix inside the image endpoint.
PREFIX = '/v2'


def image_href(image_uuid, subresource=''):
    """``/v2/images/<id>[/<subresource>]``."""
    href = '%s/images/%s' % (PREFIX, image_uuid)
    return '%s/%s' % (href, subresource) if subresource else href


def image(row):
    """The view of an image dict."""
    body = dict(row['properties'])
    body.update({
        'id': row['uuid'],
        'name': row['name'],
        'status': row['status'],
        'visibility': row['visibility'],
        'protected': row['protected'],
        'os_hidden': row['os_hidden'],
        'owner': row['owner'],
        'disk_format': row['disk_format'],
        'container_format': row['container_format'],
        'size': row['size'],
        'virtual_size': row['virtual_size'],
        'checksum': row['checksum'],
        'os_hash_algo': row['os_hash_algo'],
        'os_hash_value': row['os_hash_value'],
        'min_ram': row['min_ram'],
        'min_disk': row['min_disk'],
        'tags': list(row['tags']),
        'created_at': util.isotime(row['created_at']),
        'updated_at': util.isotime(row['updated_at'] or row['created_at']),
        'self': image_href(row['uuid']),
        'file': image_href(row['uuid'], 'file'),
        'schema': '%s/schemas/image' % PREFIX,
    })
    return body


def page(rows, params, limit):
    """A list page: ``images``, ``first``, ``schema`` and, after a full
    page, ``next`` (Glance's links carry the query but the marker).

    :param params: the request's query as ``[(name, value)]``.
    """
    params = [(name, value) for name, value in params if name != 'marker']
    body = {'images': [image(row) for row in rows],
            'first': '%s/images' % PREFIX,
            'schema': '%s/schemas/images' % PREFIX}
    if params:
        body['first'] += '?' + urllib.parse.urlencode(params)
    if rows and len(rows) == limit:
        body['next'] = '%s/images?%s' % (PREFIX, urllib.parse.urlencode(
            params + [('marker', rows[-1]['uuid'])]))
    return body


def usage(limits_and_usage):
    """Glance's ``{"usage": {name: {"limit": N, "usage": N}}}`` from
    ``{name: (limit, usage)}`` (Image service API v2 reference, "Quota
    usage")."""
    return {'usage': {name: {'limit': limit, 'usage': used}
                      for name, (limit, used) in limits_and_usage.items()}}
