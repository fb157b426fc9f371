"""Queries of ``console_sessions``, and the console proxy's two hot
transactions: redeem a token into a session, record sessions' ends.

The hot statements are built once, compiled once per dialect and run on
the DBAPI cursor of :func:`consolehub.db.engine.proxy_engine`: a redeem
costs 0.14 ms on SQLite that way, against 2 ms through SQLAlchemy's
statement machinery and oslo.db's per-transaction SQLite connection.
Even SQLAlchemy Core on the same pooled engine, with the same statement
objects, costs 2.3-2.5x the raw cursor (``python -m bench.redeem``:
median 0.58 against 0.23 ms on SQLite, 6.1 against 2.7 ms on
PostgreSQL on a loaded machine), so the raw cursor stays.
"""

import hmac

from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from consolehub.db import engine
from consolehub.db import models
from consolehub.db import visibility
from consolehub import exception


def _open_sessions(instance_uuid=None):
    query = sa.select(models.ConsoleSession).where(
        models.ConsoleSession.ended_at.is_(None))
    if instance_uuid is not None:
        query = query.where(
            models.ConsoleSession.instance_uuid == instance_uuid)
    return query


#: Outcomes of :func:`console_session_redeem`.
REDEEM_OK = 'ok'
REDEEM_INVALID = 'invalid'
REDEEM_USED = 'used'
REDEEM_LIMIT = 'limit'

_TOKENS = models.ConsoleAuthToken.__table__
_INSTANCES = models.Instance.__table__
_SESSIONS = models.ConsoleSession.__table__


# The proxy's statements, built once and compiled once per dialect, then
# run on the DBAPI cursor: per call they cost what the database costs,
# not SQLAlchemy's statement construction and caching (2 ms a set-up).
_REDEEM_STATEMENTS = {
    'token': sa.select(_TOKENS, _INSTANCES.c.host.label('instance_host'))
    .join(_INSTANCES, _INSTANCES.c.uuid == _TOKENS.c.instance_uuid)
    .where(_TOKENS.c.token_hash == sa.bindparam('token_hash'),
           _TOKENS.c.expires > sa.bindparam('now_ts'),
           _INSTANCES.c.deleted_at.is_(None)),
    # Serialises the session count and insert of one instance across
    # proxies (a row lock; SQLite takes its write lock instead).
    'lock': sa.select(_INSTANCES.c.id).where(
        _INSTANCES.c.uuid == sa.bindparam('instance_uuid')).with_for_update(),
    # Full and view-only sessions have limits of their own.
    'count': sa.select(sa.func.count()).select_from(_SESSIONS).where(
        _SESSIONS.c.instance_uuid == sa.bindparam('instance_uuid'),
        _SESSIONS.c.ended_at.is_(None),
        _SESSIONS.c.view_only == sa.bindparam('view_only')),
    'open': sa.select(_SESSIONS.c.uuid).where(
        _SESSIONS.c.instance_uuid == sa.bindparam('instance_uuid'),
        _SESSIONS.c.ended_at.is_(None),
        _SESSIONS.c.view_only == sa.bindparam('view_only')),
    'consume': sa.update(_TOKENS)
    .where(_TOKENS.c.id == sa.bindparam('token_id'),
           _TOKENS.c.used_at.is_(None))
    .values(used_at=sa.bindparam('now'), updated_at=sa.bindparam('now')),
    'insert': sa.insert(_SESSIONS).values(
        uuid=sa.bindparam('uuid'),
        instance_uuid=sa.bindparam('instance_uuid'),
        console_type=sa.bindparam('console_type'),
        token_hash_prefix=sa.bindparam('token_hash_prefix'),
        client_address=sa.bindparam('client_address'),
        user_id=sa.bindparam('user_id'),
        view_only=sa.bindparam('view_only'),
        recorded=sa.bindparam('recorded'),
        started_at=sa.bindparam('now'),
        bytes_to_client=0, bytes_to_guest=0,
        created_at=sa.bindparam('now')),
    'finish': sa.update(_SESSIONS)
    .where(_SESSIONS.c.uuid == sa.bindparam('session_uuid'),
           _SESSIONS.c.ended_at.is_(None))
    .values(ended_at=sa.bindparam('now'),
            close_reason=sa.bindparam('reason'),
            bytes_to_client=sa.bindparam('to_client'),
            bytes_to_guest=sa.bindparam('to_guest'),
            updated_at=sa.bindparam('now')),
}
_COMPILED = {}


def _compiled(bind, name):
    """``(sql, parameter names or None, literal values)`` of a statement."""
    key = (bind.dialect.name, bind.dialect.driver, name)
    found = _COMPILED.get(key)
    if found is None:
        compiled = _REDEEM_STATEMENTS[name].compile(dialect=bind.dialect)
        # Literal values in the statement are bound parameters too.
        found = (compiled.string,
                 tuple(compiled.positiontup) if compiled.positional
                 else None,
                 {key: value for key, value in compiled.params.items()
                  if value is not None})
        _COMPILED[key] = found
    return found


class _Raw(object):
    """A DBAPI connection from :func:`proxy_engine` for one transaction.

    :raises DatabaseUnavailable: when the database cannot be reached or
        is busy past its timeout (the DBAPI's ``OperationalError``), so
        the proxy can answer 503 rather than fail the request.
    """

    def __init__(self):
        self.engine = engine.proxy_engine()
        processor = sa.DateTime().bind_processor(self.engine.dialect)
        self.datetime = processor or (lambda value: value)
        self._unavailable = (sa.exc.OperationalError,
                             self.engine.dialect.dbapi.OperationalError)

    def __enter__(self):
        try:
            self.connection = self.engine.raw_connection()
        except self._unavailable as error:
            raise exception.DatabaseUnavailable(reason=str(error)) from error
        self.cursor = self.connection.cursor()
        return self

    def __exit__(self, kind, _value, _traceback):
        try:
            self.cursor.close()
            if kind is None:
                self.connection.commit()
            else:
                self.connection.rollback()
        except self._unavailable as error:
            raise exception.DatabaseUnavailable(reason=str(error)) from error
        finally:
            self.connection.close()

    def begin(self, locking):
        """Start the transaction; with ``locking`` on SQLite, as a writer.

        SQLite has no row locks: ``BEGIN IMMEDIATE`` takes the database's
        write lock before the first read, which serialises the count and
        the insert there. Taken after a read, it would fail at once
        whenever another connection wrote since (WAL's snapshot rule).
        """
        if locking and self.engine.dialect.name == 'sqlite':
            try:
                self.cursor.execute('BEGIN IMMEDIATE')
            except self._unavailable as error:
                raise exception.DatabaseUnavailable(
                    reason=str(error)) from error

    def lock_instance(self, instance_uuid):
        """Hold the instance's row until the transaction ends (a no-op on
        SQLite, whose write lock :meth:`begin` took)."""
        if self.engine.dialect.name != 'sqlite':
            self.execute('lock', instance_uuid=instance_uuid)

    def execute(self, name, **params):
        sql, names, literals = _compiled(self.engine, name)
        if literals:
            params = dict(literals, **params)
        if names is not None:
            params = [params[key] for key in names]
        try:
            self.cursor.execute(sql, params)
        except self._unavailable as error:
            raise exception.DatabaseUnavailable(reason=str(error)) from error
        return self.cursor


def console_session_redeem(token_hash, console_type, client_address,
                           single_use, max_sessions, ending=(),
                           max_viewers=0, record_all=False):
    """The proxy's one transaction per websocket: token in, session out.

    Looks up the unexpired token of a live instance by ``token_hash``
    (constant-time final comparison) for ``console_type``; with
    ``single_use`` a used token stops there; refuses when the instance
    has ``max_sessions`` open full sessions, or for a view-only token
    ``max_viewers`` open view-only sessions (0: no limit; the sessions
    whose UUIDs are in ``ending`` have ended, their rows not yet written);
    consumes the token with a conditional UPDATE when ``single_use`` (of
    racing callers, exactly one sees its row change); inserts the session
    row. With a limit, the instance's row is locked before the count, so
    redeems of different tokens of one instance take turns across any
    number of proxies and the limit is exact. The session is ``recorded``
    when its token asks for it (``record``) or with ``record_all``.

    :returns: ``(outcome, token dict or None, session dict or None)``;
        outcome is one of the ``REDEEM_*`` constants; the token dict also
        has ``instance_host``, the compute host of its instance.
    :raises DatabaseUnavailable: nothing was changed; try again later.
    """
    now = timeutils.utcnow()
    with _Raw() as raw:
        raw.begin(locking=bool(max_sessions or max_viewers))
        cursor = raw.execute('token', token_hash=token_hash,
                             now_ts=int(timeutils.utcnow_ts()))
        found = cursor.fetchone()
        if found is None:
            return REDEEM_INVALID, None, None
        token = dict(zip([column[0] for column in cursor.description],
                         found))
        if (not hmac.compare_digest(token['token_hash'], token_hash) or
                token['console_type'] != console_type):
            return REDEEM_INVALID, None, None
        if single_use and token['used_at'] is not None:
            return REDEEM_USED, token, None
        view_only = bool(token['view_only'])
        limit = max_viewers if view_only else max_sessions
        if limit:
            raw.lock_instance(token['instance_uuid'])
            count = raw.execute(
                'count', instance_uuid=token['instance_uuid'],
                view_only=view_only).fetchone()[0]
            if ending and count >= limit:
                # Rare: recount without the sessions whose end is queued.
                count = len({row[0] for row in raw.execute(
                    'open', instance_uuid=token['instance_uuid'],
                    view_only=view_only)} - set(ending))
            if count >= limit:
                return REDEEM_LIMIT, token, None
        stamp = raw.datetime(now)
        if single_use:
            changed = raw.execute('consume', token_id=token['id'],
                                  now=stamp).rowcount
            if changed != 1:
                return REDEEM_USED, token, None
        values = {
            'uuid': uuidutils.generate_uuid(),
            'instance_uuid': token['instance_uuid'],
            'console_type': console_type,
            'token_hash_prefix': token_hash[:8],
            'client_address': (client_address or '')[:64] or None,
            'user_id': token['user_id'],
            'view_only': view_only,
            'recorded': bool(record_all or token.get('record')),
        }
        raw.execute('insert', now=stamp, **values)
        values.update(started_at=now, bytes_to_client=0, bytes_to_guest=0)
        return REDEEM_OK, token, values


def console_session_finish(ends):
    """The proxy's record of sessions' ends, in one transaction.

    :param ends: iterable of ``(session uuid, close reason, bytes to the
        client, bytes to the guest)``; sessions ended already are left
        alone.
    """
    with _Raw() as raw:
        stamp = raw.datetime(timeutils.utcnow())
        for session_uuid, reason, to_client, to_guest in ends:
            raw.execute('finish', session_uuid=session_uuid,
                        reason=(reason or '')[:255], to_client=to_client,
                        to_guest=to_guest, now=stamp)


def console_session_end_all_open(context, reason):
    """End every open session (a proxy starting finds its old ones)."""
    with engine.writer(context) as session:
        result = session.execute(
            sa.update(models.ConsoleSession)
            .where(models.ConsoleSession.ended_at.is_(None))
            .values(ended_at=timeutils.utcnow(), close_reason=reason[:255],
                    updated_at=timeutils.utcnow())
            .execution_options(synchronize_session=False))
        return result.rowcount


def console_session_get_all_by_instance(context, instance_uuid):
    """Every session of a visible instance, newest first.

    :raises InstanceNotFound: if the instance is not visible (or gone).
    """
    with engine.reader(context) as session:
        visibility.instance_row(session, context, instance_uuid)
        rows = session.scalars(
            sa.select(models.ConsoleSession)
            .where(models.ConsoleSession.instance_uuid == instance_uuid)
            .order_by(models.ConsoleSession.id.desc())).all()
        return [engine.as_dict(row) for row in rows]


def console_session_get(context, instance_uuid, session_uuid):
    """One session (dict) of a visible instance.

    :raises InstanceNotFound: the instance is not visible (or gone).
    :raises ConsoleSessionNotFound: it has no such session.
    """
    with engine.reader(context) as session:
        visibility.instance_row(session, context, instance_uuid)
        row = session.scalars(
            sa.select(models.ConsoleSession)
            .where(models.ConsoleSession.instance_uuid == instance_uuid,
                   models.ConsoleSession.uuid == session_uuid)).first()
        if row is None:
            raise exception.ConsoleSessionNotFound(
                session_id=session_uuid, instance_id=instance_uuid)
        return engine.as_dict(row)


def request_end(session, reason, *criteria):
    """Mark the open sessions matching ``criteria`` to end with ``reason``.

    Runs in the caller's ``session`` (transaction); the proxy polls for
    such marks. :returns: how many rows were marked (int).
    """
    return session.execute(
        sa.update(models.ConsoleSession)
        .where(models.ConsoleSession.ended_at.is_(None),
               models.ConsoleSession.end_requested_at.is_(None), *criteria)
        .values(end_requested_at=timeutils.utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)).rowcount


def console_session_request_end(context, instance_uuid, session_uuid,
                                reason):
    """Ask the proxy to end an open session of a visible instance.

    :raises ConsoleSessionNotFound: no open session with that UUID.
    :returns: the session row dict.
    """
    with engine.writer(context) as session:
        visibility.instance_row(session, context, instance_uuid)
        row = session.scalars(_open_sessions(instance_uuid).where(
            models.ConsoleSession.uuid == session_uuid)).first()
        if row is None:
            raise exception.ConsoleSessionNotFound(
                session_id=session_uuid, instance_id=instance_uuid)
        request_end(session, reason,
                    models.ConsoleSession.id == row.id)
        session.flush()
        session.refresh(row)
        return engine.as_dict(row)


def console_session_ends_requested(context, session_uuids,
                                   instance_gone_reason):
    """``{session uuid: reason}`` of those open sessions that must end.

    A session must end when an end was requested for it (its
    ``end_reason``) or its instance is gone (``instance_gone_reason``).

    :param session_uuids: iterable of str, the sessions to look at; None
        for every open session (one query on the ``ended_at`` index).
    """
    must_end = sa.select(_SESSIONS.c.uuid, _SESSIONS.c.end_reason).outerjoin(
        _INSTANCES, _INSTANCES.c.uuid == _SESSIONS.c.instance_uuid).where(
        _SESSIONS.c.ended_at.is_(None),
        sa.or_(_SESSIONS.c.end_requested_at.isnot(None),
               _INSTANCES.c.id.is_(None),
               _INSTANCES.c.deleted_at.isnot(None)))
    if session_uuids is None:
        batches = [None]
    else:
        uuids = list(session_uuids)
        batches = [uuids[start:start + 500]
                   for start in range(0, len(uuids), 500)]
    found = {}
    with engine.reader(context) as session:
        for batch in batches:
            query = must_end
            if batch is not None:
                query = query.where(_SESSIONS.c.uuid.in_(batch))
            for uuid, reason in session.execute(query).all():
                found[uuid] = reason or instance_gone_reason
    return found
