"""The image service's operations: what the API's image handlers and,
for snapshots, the compute agent call.

Attribute rules and status transitions are Glance's (Image service API
v2 reference; ``glance/api/v2/images.py`` for the JSON-patch semantics):
base attributes are set but never removed, custom properties are strings
that ``replace`` and ``remove`` must find, data is accepted only while
an image is ``queued``. Policy is the caller's business (the handlers
check it); visibility is the database's (an image the context may not
see does not exist).
"""

import os

from oslo_log import log as logging
from oslo_utils import uuidutils

from consolehub.conf import CONF
from consolehub import exception
from consolehub.image import store
from consolehub.objects import image as image_obj
from consolehub.objects import quota

LOG = logging.getLogger(__name__)

#: Attributes a caller may set (create, ``add``/``replace``).
WRITABLE = ('name', 'visibility', 'protected', 'os_hidden', 'owner',
            'disk_format', 'container_format', 'min_ram', 'min_disk',
            'tags')
#: Attributes only the service sets, and links a view carries.
READ_ONLY = ('id', 'status', 'size', 'virtual_size', 'checksum',
             'os_hash_algo', 'os_hash_value', 'created_at', 'updated_at',
             'self', 'file', 'schema', 'direct_url', 'stores')
#: Names no custom property may have, as in Glance.
RESERVED = ('location', 'locations', 'deleted', 'deleted_at')
RESERVED_PREFIX = 'os_glance'


def check_attribute_name(name, creating=False):
    """Refuse a read-only or reserved attribute name, as Glance does.

    :param creating: at creation ``id`` may be chosen.
    :raises ImageAttributeReadOnly, ImageAttributeReserved.
    """
    if name in READ_ONLY and not (creating and name == 'id'):
        raise exception.ImageAttributeReadOnly(attribute=name)
    if name in RESERVED or name.startswith(RESERVED_PREFIX):
        raise exception.ImageAttributeReserved(attribute=name)


def _unique(tags):
    """Tags are a set; keep the first of each, in order."""
    return list(dict.fromkeys(tags))


def _check_limits(properties, tags):
    if len(properties) > CONF.image.max_properties:
        raise exception.ImageLimitExceeded(what='image properties',
                                           limit=CONF.image.max_properties)
    if len(tags) > CONF.image.max_tags:
        raise exception.ImageLimitExceeded(what='image tags',
                                           limit=CONF.image.max_tags)


def create(context, attributes, properties, enforce_quota=True):
    """Record a ``queued`` image.

    :param attributes: base attributes (:data:`WRITABLE` and ``id``),
        already validated against the image schema.
    :param properties: custom properties, ``{str: str}``.
    :param enforce_quota: count it against its owner's
        ``image_count_total`` (False only for an administrator's tool).
    :returns: the image (dict).
    :raises ImageAttributeReadOnly, ImageAttributeReserved: a name the
        caller may not set.
    :raises ImageOwnerForbidden: a non-admin names another owner.
    :raises ImageExists: the chosen id is taken.
    :raises ImageLimitExceeded: too many properties or tags.
    :raises ImageQuotaExceeded: the owner has its limit of images (413).
    """
    for name in list(attributes) + list(properties):
        check_attribute_name(name, creating=True)
    owner = attributes.get('owner', context.project_id)
    if owner != context.project_id and not context.is_admin:
        raise exception.ImageOwnerForbidden(owner=owner)
    tags = _unique(attributes.get('tags', []))
    _check_limits(properties, tags)
    return image_obj.create(context, {
        'uuid': attributes.get('id') or uuidutils.generate_uuid(),
        'name': attributes.get('name'),
        'status': image_obj.QUEUED,
        'visibility': attributes.get('visibility',
                                     image_obj.DEFAULT_VISIBILITY),
        'protected': attributes.get('protected', False),
        'os_hidden': attributes.get('os_hidden', False),
        'owner': owner,
        'disk_format': attributes.get('disk_format'),
        'container_format': attributes.get('container_format'),
        'min_ram': attributes.get('min_ram', 0),
        'min_disk': attributes.get('min_disk', 0),
        'properties': properties,
        'tags': tags,
    }, enforce_quota=enforce_quota)


def get(context, image_uuid):
    """The visible image (dict); raises ImageNotFound."""
    return image_obj.get(context, image_uuid)


def get_all(context, filters, limit, marker=None, sort_keys=None,
            sort_dirs=None):
    """A page of visible images (see :func:`consolehub.db.images.
    image_get_all`)."""
    return image_obj.get_all(context, filters, limit, marker, sort_keys,
                             sort_dirs)


def _apply(context, image, values, properties, op, name, value,
           add_replaces):
    if name in WRITABLE:
        if op == 'remove':
            raise exception.ImagePropertyNotRemovable(name=name)
        if name == 'owner' and not context.is_admin:
            raise exception.ImageOwnerChangeForbidden()
        if (name in ('disk_format', 'container_format') and
                image['status'] != image_obj.QUEUED):
            raise exception.ImageFormatChangeForbidden(attribute=name)
        values[name] = _unique(value) if name == 'tags' else value
    elif op in ('remove', 'replace'):
        if name not in properties:
            raise exception.ImagePropertyMissing(name=name)
        if op == 'remove':
            del properties[name]
        else:
            properties[name] = value
    else:
        if name in properties and not add_replaces:
            raise exception.ImagePropertyExists(name=name)
        properties[name] = value


def update(context, image_uuid, changes, add_replaces=True):
    """Apply JSON-patch ``changes`` to an image, all or nothing.

    :param changes: ``[(op, name, value)]``: ``op`` is ``add``,
        ``replace`` or ``remove``, ``name`` an attribute or a custom
        property, ``value`` already validated (None for ``remove``).
    :param add_replaces: ``add`` of an existing property replaces it
        (the v2.1 patch media type); else it is a 409 (v2.0).
    :returns: the updated image (dict).
    :raises ImageNotFound, ImageAttributeReadOnly, ImageAttributeReserved,
        ImagePropertyNotRemovable, ImagePropertyMissing,
        ImagePropertyExists, ImageOwnerChangeForbidden,
        ImageFormatChangeForbidden, ImageLimitExceeded.
    """
    image = image_obj.get(context, image_uuid)
    values = {}
    properties = dict(image['properties'])
    for op, name, value in changes:
        check_attribute_name(name)
        _apply(context, image, values, properties, op, name, value,
               add_replaces)
    _check_limits(properties, values.get('tags', image['tags']))
    if not changes:
        return image
    values['properties'] = properties
    return image_obj.update(context, image_uuid, values)


def add_tag(context, image_uuid, tag):
    """Add ``tag`` to an image (no error if it has it)."""
    image = image_obj.get(context, image_uuid)
    tags = _unique(image['tags'] + [tag])
    _check_limits(image['properties'], tags)
    return image_obj.update(context, image_uuid, {'tags': tags})


def remove_tag(context, image_uuid, tag):
    """Remove ``tag`` from an image; raises ImageTagNotFound."""
    image = image_obj.get(context, image_uuid)
    if tag not in image['tags']:
        raise exception.ImageTagNotFound(tag=tag, image_id=image_uuid)
    return image_obj.update(
        context, image_uuid,
        {'tags': [kept for kept in image['tags'] if kept != tag]})


def delete(context, image_uuid):
    """Delete an image and its file.

    :raises ImageNotFound; ImageProtected if it is ``protected``.
    """
    image = image_obj.get(context, image_uuid)
    if image['protected']:
        raise exception.ImageProtected(image_id=image_uuid)
    image_obj.mark_deleted(context, image_uuid)
    store.delete(image_uuid)
    LOG.info('Image %s deleted', image_uuid)


def _requeue(context, image_uuid):
    """After a failed upload: back to ``queued``, unless deleted since."""
    try:
        image_obj.update(context, image_uuid, {'status': image_obj.QUEUED},
                         expected_status=image_obj.SAVING)
    except (exception.ImageNotFound, exception.ImageStatusConflict):
        pass


class _QuotaReader(object):
    """Passes ``read(size)`` on to ``source`` and stops the upload once
    more bytes arrived than the owner's ``image_size_total`` has room
    for (``room``, bytes; None: unlimited).

    When the room is passed, the quota is checked again (an image may
    have been deleted meanwhile); the check raises ImageQuotaExceeded
    or gives the room of now.
    """

    def __init__(self, source, context, owner, room):
        self._source = source
        self._context = context
        self._owner = owner
        self._room = room
        self.received = 0

    def read(self, size):
        chunk = self._source.read(size)
        self.received += len(chunk)
        if self._room is not None and self.received > self._room:
            quota.check(self._context, self._owner,
                        {'image_size_total': self.received})
            self._room = quota.headroom(self._context, self._owner,
                                        'image_size_total')
        return chunk


def _quota_room(context, owner, expected_size):
    """Bytes ``owner`` may still store (None: unlimited), once the
    incoming ``expected_size`` (None: unknown) is known to fit.

    :raises ImageQuotaExceeded: it does not fit.
    """
    if expected_size is not None:
        quota.check(context, owner, {'image_size_total': expected_size})
    return quota.headroom(context, owner, 'image_size_total')


def upload(context, image_uuid, source, expected_size, enforce_quota=True):
    """Store an image's data, then make it ``active``.

    :param source: where the bytes come from, with ``read(size)``: a
        request body or a file.
    :param expected_size: the body's length in bytes, or None to read
        until ``source`` ends (chunked transfer encoding).
    :param enforce_quota: count the data against the owner's
        ``image_size_total``: before reading when ``expected_size`` is
        known, while reading, and finally when the image becomes active,
        under the owner's usage lock, so that concurrent uploads cannot
        together pass the limit (False only for an administrator's
        tool; an image without an owner counts against no project).
    :returns: the active image (dict).
    :raises ImageFormatsUnset: ``disk_format`` or ``container_format``
        is not set yet.
    :raises ImageStatusConflict: the image is not ``queued``.
    :raises ImageTooLarge: more than ``[image] max_image_size`` bytes.
    :raises ImageQuotaExceeded: the data does not fit the owner's
        ``image_size_total``.
    :raises ImageUploadIncomplete: the body ended early.
    :raises ImageDataInvalid: the content is refused (module
        :mod:`consolehub.image.inspection`).
    :raises ImageDeletedDuringUpload: it was deleted meanwhile.
    On any failure nothing is stored and the image is ``queued`` again.
    """
    image = image_obj.get(context, image_uuid)
    if not (image['disk_format'] and image['container_format']):
        raise exception.ImageFormatsUnset()
    limit = CONF.image.max_image_size
    if expected_size is not None and expected_size > limit:
        raise exception.ImageTooLarge(limit=limit)
    owner = image['owner'] if enforce_quota else None
    if owner is not None:
        source = _QuotaReader(source, context, owner,
                              _quota_room(context, owner, expected_size))
    image_obj.update(context, image_uuid, {'status': image_obj.SAVING},
                     expected_status=image_obj.QUEUED)
    try:
        received = store.receive(
            image_uuid, store.BoundedReader(source, expected_size, limit),
            image['disk_format'])
    except BaseException:
        _requeue(context, image_uuid)
        raise
    store.commit(received, image_uuid)
    values = {
        'status': image_obj.ACTIVE,
        'size': received.size,
        'virtual_size': received.virtual_size,
        'checksum': received.checksum,
        'os_hash_algo': image_obj.HASH_ALGORITHM,
        'os_hash_value': received.os_hash_value,
    }

    def activate():
        return image_obj.update(context, image_uuid, values,
                                expected_status=image_obj.SAVING)
    try:
        if owner is None:
            image = activate()
        else:
            image = quota.consume(context, owner,
                                  {'image_size_total': received.size},
                                  activate)
    except exception.ImageQuotaExceeded:
        store.delete(image_uuid)
        _requeue(context, image_uuid)
        raise
    except (exception.ImageNotFound, exception.ImageStatusConflict):
        store.delete(image_uuid)
        raise exception.ImageDeletedDuringUpload(image_id=image_uuid)
    LOG.info('Image %s is active: %d bytes, %s disk of %d bytes',
             image_uuid, received.size, image['disk_format'],
             received.virtual_size)
    return image


def upload_file(context, image_uuid, path, enforce_quota=True):
    """:func:`upload` the file at ``path`` (e.g. a snapshot)."""
    with open(path, 'rb') as source:
        return upload(context, image_uuid, source, os.path.getsize(path),
                      enforce_quota)


def usage(context, project_id):
    """``{name: (limit, usage)}`` of Glance's four image quota names for
    ``project_id``: ``image_size_total`` (MiB, rounded down),
    ``image_count_total``, ``image_stage_total`` (always 0 bytes used)
    and ``image_count_uploading`` (images ``saving`` now). The last two
    show the limit -1: nothing limits them here (there is no staging
    area without interoperable import; concurrent uploads are not
    limited)."""
    names = ('image_size_total', 'image_count_total')
    limits = quota.get_limits(context, project_id)
    used = quota.get_usage(context, project_id, names)
    result = {name: (limits[name], used[name]) for name in names}
    uploading = image_obj.usage_by_owner(context, project_id)['uploading']
    result['image_stage_total'] = (quota.UNLIMITED, 0)
    result['image_count_uploading'] = (quota.UNLIMITED, uploading)
    return result


def data(context, image_uuid):
    """An image and its data.

    :returns: ``(image, chunks)``: ``chunks`` iterates over the file's
        bytes, or is None while the image has no data (Glance's 204).
    :raises ImageNotFound.
    """
    image = image_obj.get(context, image_uuid)
    if image['status'] != image_obj.ACTIVE:
        return image, None
    return image, store.chunks(image_uuid)


def file_path(image):
    """Where the file of ``image`` (a dict) is, for a compute agent that
    shares the store (``[image] store_path``)."""
    return store.image_path(image['uuid'])
