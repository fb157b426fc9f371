"""Queries of ``console_auth_tokens``: hashes of console tokens with
where they lead and until when.

The proxy redeems tokens in :mod:`consolehub.db.console_sessions`, in the
same transaction that opens a session.
"""

import hmac

from oslo_utils import timeutils
import sqlalchemy as sa

from consolehub.db import engine
from consolehub.db import models
from consolehub import exception

_TOKENS = models.ConsoleAuthToken.__table__
_INSTANCES = models.Instance.__table__

#: Built once: the values travel as parameters, so SQLAlchemy compiles
#: the statement once and never coerces values into a new statement.
_TOKEN_INSERT = sa.insert(_TOKENS)


@engine.retry_on_deadlock
def console_auth_token_create(context, token_hash, console_type, host, port,
                              internal_access_path, instance_uuid, ttl,
                              view_only=False, record=False):
    """Store a console token's hash, valid for ``ttl`` seconds from now.

    The token records ``context.user_id`` (who asked for it) and
    ``view_only`` (bool): the proxy forwards no input of its sessions;
    ``record`` (bool): the proxy records its sessions.

    On the path of every console request, so one plain INSERT rather than
    an ORM flush. On PostgreSQL the commit does not wait for the WAL to
    reach the disk (``synchronous_commit = off`` for this transaction
    only): a server crash in the next fraction of a second may lose the
    token, never corrupt anything, and the user asks for another; the
    fsync would cost about as much as the rest of the insert.

    :returns: the new row as a dict.
    """
    values = {'token_hash': token_hash, 'console_type': console_type,
              'host': host, 'port': port,
              'internal_access_path': internal_access_path,
              'instance_uuid': instance_uuid,
              'user_id': context.user_id, 'view_only': bool(view_only),
              'record': bool(record),
              'expires': int(timeutils.utcnow_ts()) + ttl,
              'created_at': timeutils.utcnow()}
    with engine.writer(context) as session:
        if session.get_bind().dialect.name == 'postgresql':
            session.execute(sa.text('SET LOCAL synchronous_commit TO OFF'))
        result = session.execute(_TOKEN_INSERT, values)
        row = dict.fromkeys(_TOKENS.columns.keys())
        row.update(values, id=result.inserted_primary_key[0])
    return row


def console_auth_token_get_valid(context, token_hash):
    """The unexpired token row for ``token_hash`` of a live instance.

    :raises InvalidToken: if there is none, it expired, or its instance is
        gone.
    """
    with engine.reader(context) as session:
        row = session.execute(
            sa.select(models.ConsoleAuthToken)
            .join(_INSTANCES, _INSTANCES.c.uuid == _TOKENS.c.instance_uuid)
            .where(_TOKENS.c.token_hash == token_hash,
                   _TOKENS.c.expires > timeutils.utcnow_ts(),
                   _INSTANCES.c.deleted_at.is_(None))
        ).scalars().first()
        if row is None or not hmac.compare_digest(row.token_hash,
                                                  token_hash):
            raise exception.InvalidToken()
        return engine.as_dict(row)


@engine.retry_on_deadlock
def console_auth_token_destroy_expired(context):
    """Delete every expired console token; returns how many went."""
    with engine.writer(context) as session:
        result = session.execute(sa.delete(_TOKENS).where(
            _TOKENS.c.expires <= timeutils.utcnow_ts()))
        return result.rowcount


@engine.retry_on_deadlock
def console_auth_token_destroy_for_instance(context, instance_uuid):
    """Delete every console token of one instance; returns how many went.

    For a guest that stopped, crashed or vanished: its console ports are
    gone, and a restarted guest may be given other ones.
    """
    with engine.writer(context) as session:
        result = session.execute(sa.delete(_TOKENS).where(
            _TOKENS.c.instance_uuid == instance_uuid))
        return result.rowcount
