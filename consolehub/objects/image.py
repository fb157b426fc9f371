"""Images: their states, visibilities and formats, and the rules on them.

The life of an image is Glance's (Image service API v2 reference,
"Images"): ``queued`` (a record, no data) -> ``saving`` (data arriving)
-> ``active``; a failed or interrupted upload goes back to ``queued``.
Deleting marks the record ``deleted`` for good.
"""

import math

from consolehub.db import images as db_images
from consolehub import exception
from consolehub.objects import quota

QUEUED = 'queued'
SAVING = 'saving'
ACTIVE = 'active'
DELETED = 'deleted'

#: Every status Glance's image schema lists; we use the four above.
STATUSES = ('queued', 'saving', 'active', 'killed', 'deleted', 'uploading',
            'importing', 'pending_delete', 'deactivated')

#: Glance's visibilities. Without image members, ``shared`` behaves as
#: ``private``; ``community`` images are seen by all, listed for their
#: owner or when asked for.
VISIBILITIES = ('public', 'community', 'shared', 'private')
#: The visibility of an image created without one, as in Glance.
DEFAULT_VISIBILITY = 'shared'

#: The disk formats we can check and boot; the one container format.
DISK_FORMATS = ('qcow2', 'raw')
CONTAINER_FORMATS = ('bare',)

#: The hash of ``os_hash_value`` (Glance's default ``hashing_algorithm``).
HASH_ALGORITHM = 'sha512'

#: Keys a list may be sorted by (Glance's).
SORT_KEYS = db_images.SORT_KEYS

#: Bytes in a GiB: ``min_disk`` and a flavor's ``disk`` count these.
GiB = 1024 ** 3


def create(context, values, enforce_quota=True):
    """Record a new image; ``values`` are columns (``uuid`` and
    ``owner`` included).

    :param enforce_quota: count it against its owner's
        ``image_count_total``, checked and created under the owner's
        usage lock (:func:`consolehub.objects.quota.consume`). An image
        without an owner counts against no project.
    :raises ImageExists: the uuid is taken, now or in the past.
    :raises ImageQuotaExceeded: the owner has its limit of images.
    """
    if not enforce_quota or values.get('owner') is None:
        return db_images.image_create(context, values)
    return quota.consume(context, values['owner'], {'image_count_total': 1},
                         lambda: db_images.image_create(context, values))


def usage_by_owner(context, owner):
    """``{'count', 'size' (bytes), 'uploading'}`` of the live images of
    project ``owner`` (:func:`consolehub.db.images.image_usage_by_owner`).
    """
    return db_images.image_usage_by_owner(context, owner)


def get(context, image_uuid):
    """The visible live image (dict); raises ImageNotFound."""
    return db_images.image_get(context, image_uuid)


def get_all(context, filters, limit, marker=None, sort_keys=None,
            sort_dirs=None):
    """Up to ``limit`` visible images (dicts); see
    :func:`consolehub.db.images.image_get_all`."""
    return db_images.image_get_all(context, filters, limit, marker,
                                   sort_keys, sort_dirs)


def update(context, image_uuid, values, expected_status=None):
    """Change columns of a live image; returns the new row (dict).

    :raises ImageStatusConflict: it is not in ``expected_status``.
    """
    return db_images.image_update(context, image_uuid, values,
                                  expected_status)


def mark_deleted(context, image_uuid):
    """Mark the image deleted; its uuid is never used again."""
    return db_images.image_destroy(context, image_uuid, DELETED)


def root_gb_needed(image):
    """GiB of root disk an instance of ``image`` needs: its ``min_disk``
    or its virtual size rounded up, whichever is more (at least 1)."""
    virtual_gb = int(math.ceil((image['virtual_size'] or 0) / float(GiB)))
    return max(image['min_disk'], virtual_gb, 1)


def check_bootable(image, memory_mb, root_gb):
    """Whether an instance of ``memory_mb`` MiB and a ``root_gb`` GiB disk
    may boot ``image`` (a dict), as Nova checks a flavor against an image.

    :raises ImageNotActive: it has no data yet (or any more).
    :raises FlavorMemoryTooSmall: ``memory_mb`` < its ``min_ram``.
    :raises FlavorDiskTooSmall: ``root_gb`` < :func:`root_gb_needed`.
    """
    if image['status'] != ACTIVE:
        raise exception.ImageNotActive(image_id=image['uuid'])
    if memory_mb < image['min_ram']:
        raise exception.FlavorMemoryTooSmall(memory_mb=memory_mb,
                                             min_ram=image['min_ram'])
    needed = root_gb_needed(image)
    if root_gb < needed:
        raise exception.FlavorDiskTooSmall(disk_gb=root_gb, needed_gb=needed)
