"""Queries of ``instance_actions`` and ``instance_actions_events``: the
action log of instances (Nova's).

An action is found by its instance and the request id that made it.
Reads are scoped as instances are (the context's project unless
admin), but deleted instances count: their log stays readable.
"""

from oslo_utils import timeutils
import sqlalchemy as sa

from consolehub.db import engine
from consolehub.db import models
from consolehub import exception

_ACTIONS = models.InstanceAction.__table__
_EVENTS = models.InstanceActionEvent.__table__
_INSTANCES = models.Instance.__table__


def instance_get_including_deleted(context, instance_uuid):
    """The instance ``instance_uuid``, live or deleted, if the context
    may see its project (dict); raises InstanceNotFound."""
    query = sa.select(_INSTANCES).where(_INSTANCES.c.uuid == instance_uuid)
    if not context.is_admin:
        query = query.where(_INSTANCES.c.project_id == context.project_id)
    with engine.reader(context) as session:
        row = session.execute(query).mappings().first()
    if row is None:
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    return dict(row)


@engine.retry_on_deadlock
def action_start(context, values):
    """Record an action from column ``values``; returns it (dict)."""
    with engine.writer(context) as session:
        row = models.InstanceAction(**values)
        session.add(row)
        session.flush()
        return engine.as_dict(row)


def _action_query(instance_uuid, request_id):
    return sa.select(_ACTIONS).where(
        _ACTIONS.c.instance_uuid == instance_uuid,
        _ACTIONS.c.request_id == request_id).order_by(_ACTIONS.c.id.desc())


def action_get_by_request_id(context, instance_uuid, request_id):
    """The action ``request_id`` made on the instance (dict).

    :raises InstanceActionNotFound: there is none.
    """
    with engine.reader(context) as session:
        row = session.execute(_action_query(
            instance_uuid, request_id)).mappings().first()
    if row is None:
        raise exception.InstanceActionNotFound(
            request_id=request_id, instance_uuid=instance_uuid)
    return dict(row)


def actions_get(context, instance_uuid, limit=None, marker=None,
                changes_since=None, changes_before=None):
    """The actions on the instance, newest first (list of dicts).

    :param limit: at most this many (None: all).
    :param marker: the request id of the action to start after.
    :param changes_since: only actions changed (``updated_at``, else
        ``created_at``) at or after this naive UTC datetime; None: all.
    :param changes_before: ... at or before it.
    :raises MarkerNotFound: no action on the instance has ``marker``.
    """
    changed = sa.func.coalesce(_ACTIONS.c.updated_at, _ACTIONS.c.created_at)
    query = sa.select(_ACTIONS).where(
        _ACTIONS.c.instance_uuid == instance_uuid).order_by(
            _ACTIONS.c.start_time.desc(), _ACTIONS.c.id.desc())
    if changes_since is not None:
        query = query.where(changed >= changes_since)
    if changes_before is not None:
        query = query.where(changed <= changes_before)
    with engine.reader(context) as session:
        if marker is not None:
            after = session.execute(_action_query(
                instance_uuid, marker)).mappings().first()
            if after is None:
                raise exception.MarkerNotFound(marker=marker)
            query = query.where(sa.or_(
                _ACTIONS.c.start_time < after['start_time'],
                sa.and_(_ACTIONS.c.start_time == after['start_time'],
                        _ACTIONS.c.id < after['id'])))
        if limit is not None:
            query = query.limit(limit)
        return [dict(row) for row in session.execute(query).mappings()]


@engine.retry_on_deadlock
def event_start(context, instance_uuid, request_id, event, host):
    """Record the start of ``event`` of the action ``request_id`` made;
    returns the event's id, or None when there is no such action."""
    with engine.writer(context) as session:
        action = session.execute(_action_query(
            instance_uuid, request_id)).mappings().first()
        if action is None:
            return None
        row = models.InstanceActionEvent(
            action_id=action['id'], event=event, host=host,
            start_time=timeutils.utcnow())
        session.add(row)
        session.flush()
        return row.id


@engine.retry_on_deadlock
def event_finish(context, event_id, result, traceback=None):
    """Record that event ``event_id`` ended with ``result``; an error
    also marks its action's message "Error", as Nova does."""
    now = timeutils.utcnow()
    with engine.writer(context) as session:
        session.execute(sa.update(_EVENTS).where(_EVENTS.c.id == event_id)
                        .values(finish_time=now, result=result,
                                traceback=traceback, updated_at=now))
        values = {'updated_at': now}
        if result == 'Error':
            values['message'] = 'Error'
        action_id = sa.select(_EVENTS.c.action_id).where(
            _EVENTS.c.id == event_id).scalar_subquery()
        session.execute(sa.update(_ACTIONS).where(
            _ACTIONS.c.id == action_id).values(**values))


def events_get(context, action_id):
    """The events of action ``action_id``, oldest first (dicts)."""
    with engine.reader(context) as session:
        return [dict(row) for row in session.execute(
            sa.select(_EVENTS).where(_EVENTS.c.action_id == action_id)
            .order_by(_EVENTS.c.id)).mappings()]
