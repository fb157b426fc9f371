"""The built-in flavors: named sizes for Nova-style ``POST /servers``.

consolehub instances have memory and vCPUs but no disk, so every flavor's
``disk`` is 0. An instance made through ``/instances`` with a size no
flavor has shows the flavor id ``custom-<memory_mb>-<vcpus>``, which
``/v2.1/flavors`` does not list.
"""

import collections

Flavor = collections.namedtuple('Flavor', ['id', 'name', 'memory_mb',
                                           'vcpus'])

#: Every flavor, smallest first; ids are strings, as Nova's flavorid.
FLAVORS = (
    Flavor('1', 'ch.tiny', 64, 1),
    Flavor('2', 'ch.small', 128, 1),
    Flavor('3', 'ch.medium', 256, 2),
    Flavor('4', 'ch.large', 512, 2),
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
