"""Flavors: the named sizes of instances, as Nova's compute API reference
defines them ("Flavors", "Flavors access", "Flavors extra-specs").

A flavor is a dict of its row: ``flavorid`` (the API's ``id``, text),
``name``, ``memory_mb`` (MiB), ``vcpus``, ``root_gb`` (GiB, the API's
``disk``), ``ephemeral_gb`` (GiB), ``swap`` (MiB), ``rxtx_factor``,
``is_public``, ``disabled`` and ``description``. The root disk of an
instance booted from an image is a copy-on-write overlay of the image,
grown to ``root_gb``; an instance without an image has no disk, whatever
its flavor; ephemeral disks, swap and ``rxtx_factor`` are recorded and
shown, not given to guests.

The database migration creates :data:`BUILT_IN`; administrators create,
describe and delete flavors, share private ones with projects and set
extra specs. A private flavor is seen (and booted) by administrators and
the projects on its access list only.

An instance records the ``flavorid`` and name of the flavor it was made
from (``POST /servers``) and has its memory, vCPUs and root disk in its
own columns, so that it keeps showing its flavor when the flavor is
deleted (whose row is kept, marked deleted, until purged). An instance
made through ``/instances`` by size has no flavor: it shows the built-in
flavor of its size, or ``custom-<memory_mb>-<vcpus>``, which
``/v2.1/flavors`` does not list.
"""

import collections

from oslo_utils import uuidutils

from consolehub.db import flavor_extra_specs as db_extra_specs
from consolehub.db import flavor_projects as db_projects
from consolehub.db import flavors as db_flavors
from consolehub import exception

BuiltIn = collections.namedtuple('BuiltIn', ['id', 'name', 'memory_mb',
                                             'vcpus', 'disk'])

#: The flavors a new database starts with (migration 0011), smallest
#: first; ids are text, as Nova's flavorid.
BUILT_IN = (
    BuiltIn('1', 'ch.tiny', 128, 1, 1),
    BuiltIn('2', 'ch.small', 256, 1, 2),
    BuiltIn('3', 'ch.medium', 512, 2, 5),
    BuiltIn('4', 'ch.large', 1024, 2, 10),
)

_BUILT_IN_BY_SIZE = {(flavor.memory_mb, flavor.vcpus): flavor
                     for flavor in BUILT_IN}

#: Columns a flavor list may be sorted by.
SORT_KEYS = db_flavors.SORT_KEYS

#: Extra spec keys and values: 1 to 255 and at most 255 characters.
MAX_EXTRA_SPEC_LENGTH = 255


def flavor_id_of(instance):
    """The flavor id an instance (a row dict) shows: the ``flavor_id``
    it was made from; for one made by size, the built-in flavor of that
    size, else ``custom-<memory_mb>-<vcpus>``."""
    if instance.get('flavor_id'):
        return instance['flavor_id']
    flavor = _BUILT_IN_BY_SIZE.get((instance['memory_mb'],
                                    instance['vcpus']))
    if flavor is not None:
        return flavor.id
    return 'custom-%s-%s' % (instance['memory_mb'], instance['vcpus'])


def flavor_name_of(instance):
    """The flavor name an instance (a row dict) shows: that of the
    flavor it was made from, kept when the flavor goes; for one made by
    size, the built-in flavor's of that size, else its id
    ``custom-<memory_mb>-<vcpus>``."""
    if instance.get('flavor_name'):
        return instance['flavor_name']
    flavor = _BUILT_IN_BY_SIZE.get((instance['memory_mb'],
                                    instance['vcpus']))
    return flavor.name if flavor is not None else flavor_id_of(instance)


def get(context, flavorid):
    """The live flavor ``flavorid`` the context may see (dict).

    :raises FlavorNotFound: none, or a private one not shared with the
        caller's project.
    """
    return db_flavors.flavor_get(context, flavorid)


def get_for_boot(context, flavorid):
    """The flavor a new server of the context's project may be made
    from: live, visible and not disabled (Nova refuses a disabled one as
    unknown).

    :raises FlavorNotFound: it is not such a flavor.
    """
    flavor = get(context, flavorid)
    if flavor['disabled']:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    return flavor


def get_all(context, **filters):
    """The live flavors the context may see, filtered, sorted and paged
    as :func:`consolehub.db.flavors.flavor_get_all` says (list of dicts).
    """
    return db_flavors.flavor_get_all(context, **filters)


def parse_is_public(value):
    """Nova's ``is_public`` list filter: absent -> True, ``none`` (any
    case) -> None (all), else a boolean word.

    :raises FlavorFilterInvalid: anything else.
    """
    if value is None:
        return True
    if value.lower() == 'none':
        return None
    words = {'1': True, 't': True, 'true': True, 'on': True, 'y': True,
             'yes': True, '0': False, 'f': False, 'false': False,
             'off': False, 'n': False, 'no': False}
    if value.lower() not in words:
        raise exception.FlavorFilterInvalid(value=value)
    return words[value.lower()]


def create(context, name, memory_mb, vcpus, root_gb, flavorid=None,
           ephemeral_gb=0, swap=0, rxtx_factor=1.0, is_public=True,
           description=None):
    """Create a flavor; returns it (dict).

    :param flavorid: its id (text); None: a new UUID, as Nova makes one.
    :raises FlavorIdExists, FlavorExists: 409, a live flavor has that id
        or name.
    """
    return db_flavors.flavor_create(context, {
        'flavorid': flavorid or uuidutils.generate_uuid(),
        'name': name, 'memory_mb': memory_mb, 'vcpus': vcpus,
        'root_gb': root_gb, 'ephemeral_gb': ephemeral_gb, 'swap': swap,
        'rxtx_factor': rxtx_factor, 'is_public': is_public,
        'disabled': False, 'description': description})


def update_description(context, flavorid, description):
    """Set a flavor's description (text or None); returns the flavor.

    :raises FlavorNotFound: no such live flavor.
    """
    return db_flavors.flavor_update(context, flavorid,
                                    {'description': description})


def destroy(context, flavorid):
    """Delete a flavor; the servers made from it keep showing its id.

    :raises FlavorNotFound: no such live flavor.
    """
    db_flavors.flavor_destroy(context, flavorid)


# -- access lists of private flavors ----------------------------------------

def _private(context, flavorid, error):
    flavor = get(context, flavorid)
    if flavor['is_public']:
        raise error()
    return flavor


def access_list(context, flavorid):
    """The projects a private flavor is shared with (list of text).

    :raises FlavorNotFound: no such flavor.
    :raises FlavorAccessListPublic: 404, it is public: no list.
    """
    flavor = _private(context, flavorid, exception.FlavorAccessListPublic)
    return db_projects.access_get(context, flavor)


def add_access(context, flavorid, project_id):
    """Share a private flavor with ``project_id``; returns the list.

    :raises FlavorAccessPublic: 409, it is public.
    :raises FlavorAccessExists: 409, it is shared with it already.
    """
    flavor = _private(context, flavorid, exception.FlavorAccessPublic)
    db_projects.access_add(context, flavor, project_id)
    return db_projects.access_get(context, flavor)


def remove_access(context, flavorid, project_id):
    """Stop sharing a private flavor with ``project_id``; returns the list.

    :raises FlavorAccessNotFound: 404, it was not shared with it (or the
        flavor is public).
    """
    flavor = get(context, flavorid)
    db_projects.access_remove(context, flavor, project_id)
    return db_projects.access_get(context, flavor)


# -- extra specs --------------------------------------------------------------

def extra_specs_of(context, flavors):
    """``{flavor row id: {key: value}}`` of each flavor dict given."""
    return db_extra_specs.get_many(context, flavors)


def extra_specs(context, flavorid):
    """A flavor's extra specs, ``{key: value}``.

    :raises FlavorNotFound: no such flavor.
    """
    flavor = get(context, flavorid)
    return extra_specs_of(context, [flavor])[flavor['id']]


def extra_spec(context, flavorid, key):
    """One extra spec's value.

    :raises FlavorExtraSpecsNotFound: the flavor has no such key.
    """
    specs = extra_specs(context, flavorid)
    if key not in specs:
        raise exception.FlavorExtraSpecsNotFound(flavor_id=flavorid,
                                                 extra_specs_key=key)
    return specs[key]


def update_extra_specs(context, flavorid, specs):
    """Set ``{key: value}`` (values are kept as text: Nova takes numbers
    and booleans too); returns what was set.

    :raises FlavorNotFound: no such flavor.
    """
    flavor = get(context, flavorid)
    specs = {key: str(value) for key, value in specs.items()}
    db_extra_specs.update(context, flavor, specs)
    return specs


def delete_extra_spec(context, flavorid, key):
    """Remove one extra spec.

    :raises FlavorExtraSpecsNotFound: the flavor has no such key.
    """
    db_extra_specs.delete(context, get(context, flavorid), key)
