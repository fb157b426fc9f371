"""A server's metadata: up to :data:`MAX_ITEMS` key/value pairs.

Keys and values are strings of at most 255 characters (the API's schema
says which); Nova counts the items against its ``metadata_items`` quota,
we bound them by :data:`MAX_ITEMS` for every project instead.
"""

from consolehub.db import instance_metadata as db_metadata
from consolehub import exception

#: The most items one server's metadata may hold (Nova's default
#: ``metadata_items`` quota).
MAX_ITEMS = 128


def check_count(metadata):
    """:raises MetadataLimitExceeded: ``metadata`` has too many items."""
    if len(metadata) > MAX_ITEMS:
        raise exception.MetadataLimitExceeded(allowed=MAX_ITEMS)


def get(context, instance_uuid):
    """``{key: value}`` of an instance the caller has read."""
    return db_metadata.get_many(context, [instance_uuid])[instance_uuid]


def get_many(context, instance_uuids):
    """``{instance_uuid: {key: value}}`` for each of ``instance_uuids``."""
    return db_metadata.get_many(context, instance_uuids)


def update(context, instance_uuid, metadata, replace):
    """Merge ``metadata`` into the instance's (or, ``replace``: make it
    the instance's whole metadata); returns the result (dict).

    :raises InstanceNotFound: the instance is gone.
    :raises MetadataLimitExceeded: more than :data:`MAX_ITEMS` would be
        kept; nothing changes.
    """
    return db_metadata.update(context, instance_uuid, metadata, replace,
                              MAX_ITEMS)


def delete_key(context, instance_uuid, key):
    """Remove one key.

    :raises InstanceNotFound: the instance is gone.
    :raises MetadataKeyNotFound: it has no such key.
    """
    db_metadata.delete_key(context, instance_uuid, key)
