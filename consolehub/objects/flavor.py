"""The built-in flavors: named sizes for Nova-style ``POST /servers``.

A flavor's ``disk`` (GiB) is the size of the root disk of an instance
booted from an image: a copy-on-write overlay of the image, grown to that
size. An instance without an image has no disk, whatever its flavor. The
smallest flavor boots the default image, which needs 128 MiB of memory.
An instance made through ``/instances`` with a size no flavor has shows
the flavor id ``custom-<memory_mb>-<vcpus>``, which ``/v2.1/flavors``
does not list.
"""

import collections

Flavor = collections.namedtuple('Flavor', ['id', 'name', 'memory_mb',
                                           'vcpus', 'disk'])

#: Every flavor, smallest first; ids are strings, as Nova's flavorid.
FLAVORS = (
    Flavor('1', 'ch.tiny', 128, 1, 1),
    Flavor('2', 'ch.small', 256, 1, 2),
    Flavor('3', 'ch.medium', 512, 2, 5),
    Flavor('4', 'ch.large', 1024, 2, 10),
)

_BY_ID = {flavor.id: flavor for flavor in FLAVORS}
_BY_SIZE = {(flavor.memory_mb, flavor.vcpus): flavor for flavor in FLAVORS}


def get(flavor_id):
    """The flavor with ``flavor_id``, or None."""
    return _BY_ID.get(flavor_id)


def flavor_id_of(instance):
    """The id of the flavor matching an instance dict's size."""
    flavor = _BY_SIZE.get((instance['memory_mb'], instance['vcpus']))
    if flavor is not None:
        return flavor.id
    return 'custom-%s-%s' % (instance['memory_mb'], instance['vcpus'])
