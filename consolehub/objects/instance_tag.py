"""A server's tags (Nova's compute API reference, "Server tags", 2.26+):
up to :data:`MAX_TAGS` strings of 1 to :data:`MAX_LENGTH` characters
without ``/`` or ``,`` (the API's schema checks their form)."""

from consolehub.db import instance_tags as db_tags
from consolehub import exception

#: The most tags one server may have (Nova's ``MAX_TAG_COUNT``).
MAX_TAGS = 50

#: The longest tag, in characters (Nova's ``parameter_types.tag``).
MAX_LENGTH = 60


def get_many(context, instance_uuids):
    """``{instance_uuid: [tag, ...]}`` for each of ``instance_uuids``."""
    return db_tags.get_many(context, instance_uuids)


def replace(context, instance_uuid, tags):
    """Make ``tags`` all the instance's tags; returns them (a list).

    :raises TagLimitExceeded: more than :data:`MAX_TAGS` distinct tags;
        nothing changes.
    :raises InstanceNotFound: the instance is gone.
    """
    distinct = list(dict.fromkeys(tags))
    if len(distinct) > MAX_TAGS:
        raise exception.TagLimitExceeded(limit=MAX_TAGS)
    return db_tags.replace(context, instance_uuid, distinct)


def add(context, instance_uuid, tag):
    """Add one tag; True if added, False if the instance had it.

    :raises TagLimitExceeded: it has :data:`MAX_TAGS` tags already.
    :raises InstanceNotFound: the instance is gone.
    """
    return db_tags.add(context, instance_uuid, tag, MAX_TAGS)


def delete(context, instance_uuid, tag=None):
    """Remove one tag (None: all of them).

    :raises InstanceTagNotFound: the instance has no such tag.
    :raises InstanceNotFound: the instance is gone.
    """
    db_tags.delete(context, instance_uuid, tag)
