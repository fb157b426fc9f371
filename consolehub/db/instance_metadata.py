"""Queries of ``instance_metadata``: a server's key/value pairs.

Callers pass the UUID of an instance they have already read through
:mod:`consolehub.db.instances` (so scoped to their project); writes lock
that instance's row first, so two concurrent updates of one server's
metadata count its items one after the other.
"""

import sqlalchemy as sa

from consolehub.db import engine
from consolehub.db import models
from consolehub.db import visibility
from consolehub import exception

_METADATA = models.InstanceMetadata.__table__


def add(session, instance_uuid, metadata):
    """Insert ``metadata`` (``{key: value}``) for a new instance, in the
    caller's ``session`` (its create transaction)."""
    for key, value in metadata.items():
        session.add(models.InstanceMetadata(
            instance_uuid=instance_uuid, key=key, value=value))


def get_many(context, instance_uuids):
    """``{instance_uuid: {key: value}}`` for each of ``instance_uuids``
    (every one present, ``{}`` when it has none)."""
    found = {uuid: {} for uuid in instance_uuids}
    if not found:
        return found
    with engine.reader(context) as session:
        rows = session.execute(
            sa.select(_METADATA.c.instance_uuid, _METADATA.c.key,
                      _METADATA.c.value)
            .where(_METADATA.c.instance_uuid.in_(list(found)))
            .order_by(_METADATA.c.id)).all()
    for instance_uuid, key, value in rows:
        found[instance_uuid][key] = value
    return found


@engine.retry_on_deadlock
def update(context, instance_uuid, metadata, replace, max_items):
    """Set keys of a live visible instance's metadata; returns it whole.

    :param metadata: ``{key: value}`` to set.
    :param replace: True: ``metadata`` becomes all of it (Nova's PUT);
        False: merged into what is there (Nova's POST).
    :param max_items: the most items it may have afterwards.
    :raises InstanceNotFound: the instance is gone or not visible.
    :raises MetadataLimitExceeded: it would have more than ``max_items``;
        nothing changes.
    """
    with engine.writer(context) as session:
        _lock_instance(session, context, instance_uuid)
        rows = {row.key: row for row in session.scalars(
            sa.select(models.InstanceMetadata).where(
                _METADATA.c.instance_uuid == instance_uuid))}
        wanted = dict(metadata) if replace else dict(
            {key: row.value for key, row in rows.items()}, **metadata)
        if len(wanted) > max_items:
            raise exception.MetadataLimitExceeded(allowed=max_items)
        for key, row in rows.items():
            if key not in wanted:
                session.delete(row)
            elif row.value != wanted[key]:
                row.value = wanted[key]
        add(session, instance_uuid,
            {key: value for key, value in wanted.items() if key not in rows})
        session.flush()
        return wanted


@engine.retry_on_deadlock
def delete_key(context, instance_uuid, key):
    """Remove ``key`` from a live visible instance's metadata.

    :raises InstanceNotFound: the instance is gone or not visible.
    :raises MetadataKeyNotFound: it has no such key.
    """
    with engine.writer(context) as session:
        _lock_instance(session, context, instance_uuid)
        deleted = session.execute(sa.delete(_METADATA).where(
            _METADATA.c.instance_uuid == instance_uuid,
            _METADATA.c.key == key)).rowcount
    if not deleted:
        raise exception.MetadataKeyNotFound()


def _lock_instance(session, context, instance_uuid):
    """Lock the live visible instance's row for the transaction, so that
    changes of its metadata run one after the other.

    :raises InstanceNotFound: it is gone or not visible.
    """
    row = session.scalars(visibility.instance_query(context).where(
        visibility.INSTANCES.c.uuid == instance_uuid)
        .with_for_update()).first()
    if row is None:
        raise exception.InstanceNotFound(instance_id=instance_uuid)
