"""Removing rows nobody needs any more, so tables do not grow forever.

Expired console tokens, ended console sessions, deleted instances
(with their action log) and deleted flavors no instance row names any
more, each older than a cut-off; nothing live is touched: a session
still open, an instance or a flavor not deleted stays whatever its age.
"""

import calendar

import sqlalchemy as sa

from consolehub.db import engine
from consolehub.db import models

_TOKENS = models.ConsoleAuthToken.__table__
_SESSIONS = models.ConsoleSession.__table__
_INSTANCES = models.Instance.__table__
_METADATA = models.InstanceMetadata.__table__
_TAGS = models.InstanceTag.__table__
_ACTIONS = models.InstanceAction.__table__
_EVENTS = models.InstanceActionEvent.__table__
_FLAVORS = models.Flavor.__table__


def _delete(context, statement):
    with engine.writer(context) as session:
        return session.execute(statement).rowcount


@engine.retry_on_deadlock
def console_auth_tokens_purge(context, before):
    """Delete tokens that expired before ``before`` (a naive UTC
    datetime); returns how many."""
    cut_off = calendar.timegm(before.utctimetuple())
    return _delete(context, sa.delete(_TOKENS).where(
        _TOKENS.c.expires < cut_off))


@engine.retry_on_deadlock
def console_sessions_purge(context, before):
    """Delete sessions that ended before ``before``; returns how many."""
    return _delete(context, sa.delete(_SESSIONS).where(
        _SESSIONS.c.ended_at.is_not(None), _SESSIONS.c.ended_at < before))


@engine.retry_on_deadlock
def instances_purge(context, before):
    """Delete instance rows deleted before ``before``, with the tokens,
    metadata, tags and ended sessions they may still have and their action
    log; returns how many instances.
    """
    with engine.writer(context) as session:
        gone = sa.select(_INSTANCES.c.uuid).where(
            _INSTANCES.c.deleted_at.is_not(None),
            _INSTANCES.c.deleted_at < before)
        session.execute(sa.delete(_TOKENS).where(
            _TOKENS.c.instance_uuid.in_(gone)))
        session.execute(sa.delete(_METADATA).where(
            _METADATA.c.instance_uuid.in_(gone)))
        session.execute(sa.delete(_TAGS).where(
            _TAGS.c.instance_uuid.in_(gone)))
        session.execute(sa.delete(_SESSIONS).where(
            _SESSIONS.c.instance_uuid.in_(gone),
            _SESSIONS.c.ended_at.is_not(None)))
        gone_actions = sa.select(_ACTIONS.c.id).where(
            _ACTIONS.c.instance_uuid.in_(gone))
        session.execute(sa.delete(_EVENTS).where(
            _EVENTS.c.action_id.in_(gone_actions)))
        session.execute(sa.delete(_ACTIONS).where(
            _ACTIONS.c.instance_uuid.in_(gone)))
        return session.execute(sa.delete(_INSTANCES).where(
            _INSTANCES.c.deleted_at.is_not(None),
            _INSTANCES.c.deleted_at < before)).rowcount


@engine.retry_on_deadlock
def flavors_purge(context, before):
    """Delete flavor rows deleted before ``before`` that no instance row
    (live, or deleted and not purged) was made from; returns how many.
    Their extra specs and access lists went when they were deleted."""
    named = sa.select(_INSTANCES.c.flavor_id).where(
        _INSTANCES.c.flavor_id.is_not(None))
    return _delete(context, sa.delete(_FLAVORS).where(
        _FLAVORS.c.deleted != 0, _FLAVORS.c.deleted_at < before,
        _FLAVORS.c.flavorid.not_in(named)))
