"""Queries of ``instances``.

Every query is scoped to ``context.project_id`` unless the context is an
admin's, so a caller can never see or change another project's rows by
guessing a UUID. A deleted instance keeps its row, with ``deleted_at``
set; queries see live rows only.
"""

from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from consolehub.db import console_sessions
from consolehub.db import engine
from consolehub.db import instance_metadata
from consolehub.db import instance_tags
from consolehub.db import models
from consolehub.db import visibility
from consolehub import exception

_INSTANCES = visibility.INSTANCES


def _instance_dicts(session, query):
    return [dict(row) for row in session.execute(query).mappings()]


@engine.retry_on_deadlock
def instance_create(context, values, metadata=None):
    """Create an instance for the context's project and user.

    :param values: column values (``name``, ``status``, ``host``,
        ``memory_mb``, ``vcpus``, ...); ``uuid`` is made here.
    :param metadata: its metadata (``{key: value}``), in the same
        transaction.
    :returns: the new row as a dict.
    """
    with engine.writer(context) as session:
        row = models.Instance(
            uuid=uuidutils.generate_uuid(), project_id=context.project_id,
            user_id=context.user_id, **values)
        session.add(row)
        instance_metadata.add(session, row.uuid, metadata or {})
        session.flush()
        return engine.as_dict(row)


def instance_get(context, instance_uuid):
    """The live instance with this UUID; raises InstanceNotFound."""
    with engine.reader(context) as session:
        found = _instance_dicts(session, visibility.instance_query(
            context, _INSTANCES).where(_INSTANCES.c.uuid == instance_uuid))
    if not found:
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    return found[0]


def instance_get_all(context, limit, marker=None, project_id=None,
                     filters=None):
    """Up to ``limit`` instances, oldest first, after ``marker``.

    :param project_id: only this project's (for an admin listing one
        project); None: every project the context may see.
    :param filters: ``host``, ``image_ref`` (equal to the value),
        ``changes_since`` (a naive UTC datetime: changed at or after it),
        ``changes_before`` (changed at or before it),
        ``deleted`` (False, the default: live ones; True: deleted ones
        still kept; None: both), and the tag filters of
        :func:`consolehub.db.instance_tags.filter_clauses`.
    :raises MarkerNotFound: if ``marker`` names no instance the same
        query sees.
    """
    filters = filters or {}
    deleted = filters.get('deleted', False)
    with engine.reader(context) as session:
        query = visibility.instance_query(
            context, _INSTANCES, deleted=deleted).order_by(_INSTANCES.c.id)
        if project_id is not None:
            query = query.where(_INSTANCES.c.project_id == project_id)
        for column in ('host', 'image_ref'):
            if column in filters:
                query = query.where(_INSTANCES.c[column] == filters[column])
        changed = sa.func.coalesce(_INSTANCES.c.updated_at,
                                   _INSTANCES.c.created_at)
        if 'changes_since' in filters:
            query = query.where(changed >= filters['changes_since'])
        if 'changes_before' in filters:
            query = query.where(changed <= filters['changes_before'])
        for clause in instance_tags.filter_clauses(_INSTANCES.c.uuid,
                                                   filters):
            query = query.where(clause)
        if marker is not None:
            marker_id = session.execute(visibility.instance_query(
                context, _INSTANCES.c.id, deleted=deleted).where(
                    _INSTANCES.c.uuid == marker)).scalar()
            if marker_id is None:
                raise exception.MarkerNotFound(marker=marker)
            query = query.where(_INSTANCES.c.id > marker_id)
        return _instance_dicts(session, query.limit(limit))


def instance_get_all_by_host(context, host):
    """Every live instance placed on ``host`` (for the agent's start-up)."""
    with engine.reader(context) as session:
        return _instance_dicts(session, visibility.instance_query(
            context, _INSTANCES).where(_INSTANCES.c.host == host))


def instance_count_by_host(context):
    """``{host: number of live instances}`` over every project."""
    with engine.reader(context) as session:
        rows = session.execute(
            sa.select(_INSTANCES.c.host, sa.func.count())
            .where(_INSTANCES.c.deleted_at.is_(None))
            .group_by(_INSTANCES.c.host)).all()
        return {host: count for host, count in rows}


def instance_usage_by_host(context):
    """What the live instances on each host hold, over every project:
    ``{host: {'count', 'vcpus', 'memory_mb', 'root_gb', 'busy'}}``, where
    ``busy`` counts those with a task in progress (``task_state`` set).
    Hosts without instances are missing."""
    with engine.reader(context) as session:
        rows = session.execute(
            sa.select(_INSTANCES.c.host, sa.func.count(),
                      sa.func.sum(_INSTANCES.c.vcpus),
                      sa.func.sum(_INSTANCES.c.memory_mb),
                      sa.func.sum(_INSTANCES.c.root_gb),
                      sa.func.count(_INSTANCES.c.task_state))
            .where(_INSTANCES.c.deleted_at.is_(None),
                   _INSTANCES.c.host.is_not(None))
            .group_by(_INSTANCES.c.host)).all()
    return {host: {'count': int(count), 'vcpus': int(vcpus or 0),
                   'memory_mb': int(memory_mb or 0),
                   'root_gb': int(root_gb or 0), 'busy': int(busy)}
            for host, count, vcpus, memory_mb, root_gb, busy in rows}


def instance_get_active_by_window(context, begin, end, project_id=None,
                                  limit=None, marker=None):
    """The instances, deleted ones too, that existed at some time
    between ``begin`` and ``end`` (naive UTC datetimes): created before
    ``end`` and not deleted before ``begin``; oldest first.

    Usage reports need the deleted rows (kept until purged), so this is
    the one read that does not use the live-instance rule; it is still
    scoped to the context's project unless the context is an admin's.

    :param project_id: only this project's; None: every project the
        context may see.
    :param limit: at most this many (None: all).
    :param marker: the uuid of the instance to start after.
    :raises MarkerNotFound: ``marker`` is no instance of the window.
    """
    query = sa.select(_INSTANCES).where(
        _INSTANCES.c.created_at < end,
        sa.or_(_INSTANCES.c.deleted_at.is_(None),
               _INSTANCES.c.deleted_at > begin)).order_by(_INSTANCES.c.id)
    if not context.is_admin:
        query = query.where(_INSTANCES.c.project_id == context.project_id)
    if project_id is not None:
        query = query.where(_INSTANCES.c.project_id == project_id)
    with engine.reader(context) as session:
        if marker is not None:
            marker_id = session.execute(
                query.with_only_columns(_INSTANCES.c.id).where(
                    _INSTANCES.c.uuid == marker)).scalar()
            if marker_id is None:
                raise exception.MarkerNotFound(marker=marker)
            query = query.where(_INSTANCES.c.id > marker_id)
        if limit is not None:
            query = query.limit(limit)
        return _instance_dicts(session, query)


@engine.retry_on_deadlock
def instance_update(context, instance_uuid, values, expected_status=None):
    """Update a live instance's columns and return the new row.

    :param expected_status: if given, a status or tuple of statuses the
        instance must be in; otherwise InstanceInvalidState is raised and
        nothing changes. This makes BUILD -> ACTIVE lose cleanly to a
        concurrent delete.
    """
    with engine.writer(context) as session:
        row = visibility.instance_row(session, context, instance_uuid)
        if expected_status is not None:
            allowed = ((expected_status,) if isinstance(expected_status, str)
                       else tuple(expected_status))
            if row.status not in allowed:
                raise exception.InstanceInvalidState(
                    instance_id=instance_uuid, status=row.status,
                    action='update', expected=' or '.join(allowed))
        for key, value in values.items():
            setattr(row, key, value)
        session.flush()
        return engine.as_dict(row)


@engine.retry_on_deadlock
def instance_update_if(context, instance_uuid, values, expected,
                       drop_console_tokens=False):
    """Update a live instance if its columns hold the expected values.

    The row is read ``FOR UPDATE`` (on SQLite the writer transaction
    holds the database's write lock), so two callers can never both pass
    the check: this is how an action claims an instance.

    :param values: ``{column: new value}``.
    :param expected: ``{column: tuple of allowed values}``, e.g.
        ``{'status': ('ACTIVE',), 'task_state': (None,)}``.
    :param drop_console_tokens: also delete the instance's console
        tokens, in the same transaction, if the row changes: no reader
        ever sees a stopped instance whose tokens still open a console.
    :returns: ``(True, new row)``, or ``(False, current row)`` when a
        column holds another value; nothing changes then.
    :raises InstanceNotFound: it is not visible or gone.
    """
    with engine.writer(context) as session:
        row = session.scalars(visibility.instance_query(context).where(
            _INSTANCES.c.uuid == instance_uuid).with_for_update()).first()
        if row is None:
            raise exception.InstanceNotFound(instance_id=instance_uuid)
        for column, allowed in expected.items():
            if getattr(row, column) not in allowed:
                return False, engine.as_dict(row)
        for key, value in values.items():
            setattr(row, key, value)
        if drop_console_tokens:
            session.execute(sa.delete(models.ConsoleAuthToken).where(
                models.ConsoleAuthToken.instance_uuid == instance_uuid))
        session.flush()
        return True, engine.as_dict(row)


@engine.retry_on_deadlock
def instance_destroy(context, instance_uuid, status, session_end_reason):
    """Mark an instance deleted and drop its console tokens, atomically.

    :param status: the status the row keeps (``DELETED``).
    :param session_end_reason: the reason its open console sessions are
        marked to end with; the proxy closes them at its next check.
    :returns: the row as a dict.
    """
    with engine.writer(context) as session:
        row = visibility.instance_row(session, context, instance_uuid)
        row.status = status
        row.deleted_at = timeutils.utcnow()
        session.execute(sa.delete(models.ConsoleAuthToken).where(
            models.ConsoleAuthToken.instance_uuid == instance_uuid))
        console_sessions.request_end(
            session, session_end_reason,
            models.ConsoleSession.instance_uuid == instance_uuid)
        session.flush()
        return engine.as_dict(row)


def instance_usage_by_project(context, project_id):
    """What the live instances of ``project_id`` hold together:
    ``{'count': N, 'vcpus': N, 'memory_mb': N}``.

    Inside :func:`consolehub.db.quotas.run_with_usage_locked` this reads
    in its transaction, after the project's usage lock is held.
    """
    with engine.reader(context) as session:
        count, vcpus, memory_mb = session.execute(
            sa.select(sa.func.count(),
                      sa.func.coalesce(sa.func.sum(_INSTANCES.c.vcpus), 0),
                      sa.func.coalesce(sa.func.sum(_INSTANCES.c.memory_mb),
                                       0))
            .where(_INSTANCES.c.project_id == project_id,
                   _INSTANCES.c.deleted_at.is_(None))).one()
    return {'count': int(count), 'vcpus': int(vcpus),
            'memory_mb': int(memory_mb)}
