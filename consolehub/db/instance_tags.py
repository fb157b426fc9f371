"""Queries of ``instance_tags``: a server's tags (Nova's ``tags``).

Callers pass the UUID of an instance they have already read through
:mod:`consolehub.db.instances` (so scoped to their project); writes lock
that instance's row first, so two concurrent changes of one server's
tags count them one after the other.
"""

import sqlalchemy as sa

from consolehub.db import engine
from consolehub.db import models
from consolehub.db import visibility
from consolehub import exception

TAGS = models.InstanceTag.__table__


def get_many(context, instance_uuids):
    """``{instance_uuid: [tag, ...]}`` for each of ``instance_uuids``
    (every one present, ``[]`` when it has none), oldest tag first."""
    found = {uuid: [] for uuid in instance_uuids}
    if not found:
        return found
    with engine.reader(context) as session:
        rows = session.execute(
            sa.select(TAGS.c.instance_uuid, TAGS.c.tag)
            .where(TAGS.c.instance_uuid.in_(list(found)))
            .order_by(TAGS.c.id)).all()
    for instance_uuid, tag in rows:
        found[instance_uuid].append(tag)
    return found


def _tags_of(session, instance_uuid):
    return list(session.scalars(
        sa.select(TAGS.c.tag).where(TAGS.c.instance_uuid == instance_uuid)
        .order_by(TAGS.c.id)))


@engine.retry_on_deadlock
def replace(context, instance_uuid, tags):
    """Make ``tags`` (a list of str, duplicates dropped) all the tags of
    a live visible instance; returns them.

    :raises InstanceNotFound: the instance is gone or not visible.
    """
    wanted = list(dict.fromkeys(tags))
    with engine.writer(context) as session:
        visibility.instance_row(session, context, instance_uuid,
                                for_update=True)
        session.execute(sa.delete(TAGS).where(
            TAGS.c.instance_uuid == instance_uuid))
        for tag in wanted:
            session.add(models.InstanceTag(instance_uuid=instance_uuid,
                                           tag=tag))
        session.flush()
        return wanted


@engine.retry_on_deadlock
def add(context, instance_uuid, tag, max_tags):
    """Add one tag to a live visible instance.

    :returns: True if it was added, False if the instance had it.
    :raises InstanceNotFound: the instance is gone or not visible.
    :raises TagLimitExceeded: it has ``max_tags`` tags already.
    """
    with engine.writer(context) as session:
        visibility.instance_row(session, context, instance_uuid,
                                for_update=True)
        tags = _tags_of(session, instance_uuid)
        if tag in tags:
            return False
        if len(tags) >= max_tags:
            raise exception.TagLimitExceeded(limit=max_tags)
        session.add(models.InstanceTag(instance_uuid=instance_uuid,
                                       tag=tag))
        session.flush()
        return True


@engine.retry_on_deadlock
def delete(context, instance_uuid, tag=None):
    """Remove ``tag`` (None: every tag) of a live visible instance.

    :raises InstanceNotFound: the instance is gone or not visible.
    :raises InstanceTagNotFound: it has no such tag.
    """
    with engine.writer(context) as session:
        visibility.instance_row(session, context, instance_uuid,
                                for_update=True)
        query = sa.delete(TAGS).where(TAGS.c.instance_uuid == instance_uuid)
        if tag is not None:
            query = query.where(TAGS.c.tag == tag)
        deleted = session.execute(query).rowcount
    if tag is not None and not deleted:
        raise exception.InstanceTagNotFound(instance_id=instance_uuid,
                                            tag=tag)


def _has(instance_uuids, tag):
    return sa.exists().where(TAGS.c.instance_uuid == instance_uuids,
                             TAGS.c.tag == tag)


def filter_clauses(uuid_column, filters):
    """WHERE clauses of Nova's tag filters of a server list.

    :param uuid_column: the instances' ``uuid`` column.
    :param filters: any of ``tags`` (has all of them), ``tags_any`` (has
        one of them at least), ``not_tags`` (lacks one of them at least)
        and ``not_tags_any`` (has none of them), each a list of str.
    :returns: a list of SQL expressions to AND.
    """
    clauses = []
    if filters.get('tags'):
        clauses.append(sa.and_(*[_has(uuid_column, tag)
                                 for tag in filters['tags']]))
    if filters.get('tags_any'):
        clauses.append(sa.exists().where(
            TAGS.c.instance_uuid == uuid_column,
            TAGS.c.tag.in_(filters['tags_any'])))
    if filters.get('not_tags'):
        clauses.append(sa.not_(sa.and_(*[_has(uuid_column, tag)
                                         for tag in filters['not_tags']])))
    if filters.get('not_tags_any'):
        clauses.append(sa.not_(sa.exists().where(
            TAGS.c.instance_uuid == uuid_column,
            TAGS.c.tag.in_(filters['not_tags_any']))))
    return clauses
