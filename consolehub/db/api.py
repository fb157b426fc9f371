"""Every query consolehub makes, one function per question.

Functions take a :class:`consolehub.context.RequestContext` first and
return plain dicts (column name -> value). Instance queries are scoped to
``context.project_id`` unless the context is an admin's, so a caller can
never see or change another project's rows by guessing a UUID.
"""

import datetime
import hmac
import os
import threading

from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from oslo_db.sqlalchemy import enginefacade
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from consolehub.conf import CONF
from consolehub.db import models
from consolehub import exception

_CONTEXT_MANAGER = None
_LOCK = threading.Lock()
_PROXY_ENGINE = None

STATUS_BUILD = 'BUILD'
STATUS_ACTIVE = 'ACTIVE'
STATUS_SHUTOFF = 'SHUTOFF'
STATUS_ERROR = 'ERROR'
STATUS_DELETED = 'DELETED'

TASK_DELETING = 'deleting'

#: ``end_reason`` of the sessions of a deleted instance.
INSTANCE_DELETED = 'instance deleted'


def _context_manager():
    """The process's oslo.db transaction factory, made on first use."""
    global _CONTEXT_MANAGER
    with _LOCK:
        if _CONTEXT_MANAGER is None:
            manager = enginefacade.transaction_context()
            # oslo.db's sleep(0) at every connection check-in lets eventlet
            # switch green threads. Our services run OS threads, where it
            # only gives the GIL away and then waits for it (up to the
            # 5 ms switch interval when another thread is busy).
            manager.configure(thread_checkin=False,
                              **dict(CONF.database.items()))
            _CONTEXT_MANAGER = manager
        return _CONTEXT_MANAGER


def reset():
    """Forget the engines, e.g. after a test changed ``[database]``."""
    global _CONTEXT_MANAGER, _PROXY_ENGINE
    with _LOCK:
        if _CONTEXT_MANAGER is not None:
            _CONTEXT_MANAGER.dispose_pool()
        _CONTEXT_MANAGER = None
        if _PROXY_ENGINE is not None:
            _PROXY_ENGINE.dispose()
        _PROXY_ENGINE = None


def proxy_engine():
    """A pooled SQLAlchemy engine for the console proxy's hot path.

    The proxy calls the database from one worker thread, once per
    connection set-up and once per session end. oslo.db's engine fits
    eventlet services: it opens a new SQLite connection per transaction
    and yields the thread (``time.sleep(0)``) on every check-in, which
    under a busy event loop costs a GIL switch interval (5 ms) each time.
    This engine keeps its connections and checks them with a ping.
    """
    global _PROXY_ENGINE
    with _LOCK:
        if _PROXY_ENGINE is None:
            url = CONF.database.connection
            sqlite = url.startswith('sqlite')
            engine = sa.create_engine(
                url, pool_size=2, max_overflow=2, pool_recycle=3600,
                # A server may drop idle connections; a file may not.
                pool_pre_ping=not sqlite,
                # The proxy runs SQLite transactions in its event loop:
                # wait at most a second for another process's write.
                connect_args={'timeout': 1.0} if sqlite else {})
            if engine.dialect.name == 'sqlite':
                sa.event.listen(engine, 'connect', _sqlite_wal)
            _PROXY_ENGINE = engine
        return _PROXY_ENGINE


def _sqlite_wal(dbapi_connection, _record):
    """SQLite in WAL mode, syncing at checkpoints rather than commits.

    A commit then costs no fsync (1.5 ms here, two per session), and
    readers never block the proxy's writes. A power cut may lose the
    last commits (an application crash does not); deployments that need
    more use PostgreSQL or MariaDB.
    """
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute('PRAGMA journal_mode=WAL')
        cursor.execute('PRAGMA synchronous=NORMAL')
    finally:
        cursor.close()


def get_engine():
    """The SQLAlchemy engine for ``[database] connection``."""
    return _context_manager().writer.get_engine()


def _reader(context):
    return _context_manager().reader.using(context)


def _writer(context):
    return _context_manager().writer.using(context)


def _as_dict(row):
    if row is None:
        return None
    return {column.name: getattr(row, column.name)
            for column in row.__table__.columns}


# -- schema -----------------------------------------------------------------

def _alembic_config():
    ini = os.path.join(os.path.dirname(__file__), 'alembic.ini')
    return alembic_config.Config(ini)


def db_sync(version='head'):
    """Upgrade the schema to ``version`` (an alembic revision)."""
    if CONF.database.connection.startswith('sqlite:///'):
        path = CONF.database.connection[len('sqlite:///'):]
        if path and os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
    config = _alembic_config()
    with get_engine().begin() as connection:
        config.attributes['connection'] = connection
        alembic_command.upgrade(config, version)


def db_version():
    """The schema's current alembic revision, or None on an empty database."""
    with get_engine().connect() as connection:
        return alembic_migration.MigrationContext.configure(
            connection).get_current_revision()


# -- API tokens ---------------------------------------------------------------

def api_token_create(context, token_hash, project_id, user_id, roles):
    """Store a new API token's hash; ``roles`` is a list of role names."""
    with _writer(context) as session:
        row = models.ApiToken(token_hash=token_hash, project_id=project_id,
                              user_id=user_id, roles=','.join(roles))
        session.add(row)
        session.flush()
        return _as_dict(row)


def api_token_get_by_hash(context, token_hash):
    """The token row whose hash equals ``token_hash``, or None.

    The final comparison is constant-time so that the answer's timing
    does not depend on how much of a guessed hash matched.
    """
    with _reader(context) as session:
        row = session.scalars(sa.select(models.ApiToken).filter_by(
            token_hash=token_hash)).first()
        if row is None or not hmac.compare_digest(row.token_hash,
                                                  token_hash):
            return None
        return _as_dict(row)


# -- instances ----------------------------------------------------------------

_INSTANCES = models.Instance.__table__


def _instance_query(context, selectable=models.Instance):
    """The live instances ``context`` may see.

    :param selectable: the ORM class for ORM rows (to change them), or
        ``_INSTANCES`` for plain rows: read-only paths skip the ORM,
        which costs more than the query itself on an indexed lookup.
    """
    query = sa.select(selectable).where(
        models.Instance.status != STATUS_DELETED)
    if not context.is_admin:
        query = query.where(models.Instance.project_id == context.project_id)
    return query


def _instance_get(session, context, instance_uuid):
    row = session.scalars(_instance_query(context).where(
        models.Instance.uuid == instance_uuid)).first()
    if row is None:
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    return row


def _instance_dicts(session, query):
    return [dict(row) for row in session.execute(query).mappings()]


def instance_create(context, name, memory_mb, vcpus, host):
    """Create an instance in BUILD for the context's project and user."""
    with _writer(context) as session:
        row = models.Instance(
            uuid=uuidutils.generate_uuid(), name=name, status=STATUS_BUILD,
            host=host, project_id=context.project_id,
            user_id=context.user_id, memory_mb=memory_mb, vcpus=vcpus)
        session.add(row)
        session.flush()
        return _as_dict(row)


def instance_get(context, instance_uuid):
    """The live instance with this UUID; raises InstanceNotFound."""
    with _reader(context) as session:
        found = _instance_dicts(session, _instance_query(
            context, _INSTANCES).where(_INSTANCES.c.uuid == instance_uuid))
    if not found:
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    return found[0]


def instance_get_all(context, limit, marker=None):
    """Up to ``limit`` live instances, oldest first, after ``marker``.

    :raises InstanceNotFound: if ``marker`` names no visible instance.
    """
    with _reader(context) as session:
        query = _instance_query(context, _INSTANCES).order_by(_INSTANCES.c.id)
        if marker is not None:
            marker_row = _instance_get(session, context, marker)
            query = query.where(_INSTANCES.c.id > marker_row.id)
        return _instance_dicts(session, query.limit(limit))


def instance_get_all_by_host(context, host):
    """Every live instance placed on ``host`` (for the agent's start-up)."""
    with _reader(context) as session:
        return _instance_dicts(session, _instance_query(
            context, _INSTANCES).where(_INSTANCES.c.host == host))


def instance_update(context, instance_uuid, values, expected_status=None):
    """Update a live instance's columns and return the new row.

    :param expected_status: if given, a status or tuple of statuses the
        instance must be in; otherwise InstanceInvalidState is raised and
        nothing changes. This makes BUILD -> ACTIVE lose cleanly to a
        concurrent delete.
    """
    with _writer(context) as session:
        row = _instance_get(session, context, instance_uuid)
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
        return _as_dict(row)


def instance_destroy(context, instance_uuid):
    """Mark an instance DELETED and drop its console tokens, atomically.

    Its open console sessions are marked to end (reason "instance
    deleted"); the proxy closes them at its next check.
    """
    with _writer(context) as session:
        row = _instance_get(session, context, instance_uuid)
        row.status = STATUS_DELETED
        row.deleted_at = timeutils.utcnow()
        session.execute(sa.delete(models.ConsoleAuthToken).where(
            models.ConsoleAuthToken.instance_uuid == instance_uuid))
        _request_session_end(session, INSTANCE_DELETED,
                             models.ConsoleSession.instance_uuid ==
                             instance_uuid)
        session.flush()
        return _as_dict(row)


# -- console auth tokens ----------------------------------------------------

#: Built once: the values travel as parameters, so SQLAlchemy compiles
#: the statement once and never coerces values into a new statement.
_TOKEN_INSERT = sa.insert(models.ConsoleAuthToken.__table__)


def console_auth_token_create(context, token_hash, console_type, host, port,
                              internal_access_path, instance_uuid, ttl):
    """Store a console token's hash, valid for ``ttl`` seconds from now.

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
              'expires': int(timeutils.utcnow_ts()) + ttl,
              'created_at': timeutils.utcnow()}
    with _writer(context) as session:
        if session.get_bind().dialect.name == 'postgresql':
            session.execute(sa.text('SET LOCAL synchronous_commit TO OFF'))
        result = session.execute(_TOKEN_INSERT, values)
        row = dict.fromkeys(_TOKEN_INSERT.table.columns.keys())
        row.update(values, id=result.inserted_primary_key[0])
    return row


def console_auth_token_get_valid(context, token_hash):
    """The unexpired token row for ``token_hash`` of a live instance.

    :raises InvalidToken: if there is none, it expired, or its instance is
        gone.
    """
    with _reader(context) as session:
        row = session.execute(
            sa.select(models.ConsoleAuthToken)
            .join(models.Instance, models.Instance.uuid ==
                  models.ConsoleAuthToken.instance_uuid)
            .where(models.ConsoleAuthToken.token_hash == token_hash,
                   models.ConsoleAuthToken.expires > timeutils.utcnow_ts(),
                   models.Instance.status != STATUS_DELETED)
        ).scalars().first()
        if row is None or not hmac.compare_digest(row.token_hash,
                                                  token_hash):
            raise exception.InvalidToken()
        return _as_dict(row)


def console_auth_token_destroy_expired(context):
    """Delete every expired console token; returns how many went."""
    with _writer(context) as session:
        result = session.execute(sa.delete(models.ConsoleAuthToken).where(
            models.ConsoleAuthToken.expires <= timeutils.utcnow_ts()))
        return result.rowcount


# -- services ---------------------------------------------------------------

def service_heartbeat(context, host, binary, topic):
    """Record that ``binary`` on ``host`` is alive now."""
    now = timeutils.utcnow()
    with _writer(context) as session:
        row = session.scalars(sa.select(models.Service).filter_by(
            host=host, binary=binary)).first()
        if row is None:
            row = models.Service(host=host, binary=binary, topic=topic)
            session.add(row)
        row.last_seen_at = now
        session.flush()
        return _as_dict(row)


def service_get_all(context, binary):
    """Every service row of ``binary``, each with an ``is_up`` flag."""
    threshold = timeutils.utcnow() - datetime.timedelta(
        seconds=CONF.service_down_time)
    with _reader(context) as session:
        rows = session.scalars(sa.select(models.Service).filter_by(
            binary=binary).order_by(models.Service.host)).all()
        return [dict(_as_dict(row), is_up=row.last_seen_at >= threshold)
                for row in rows]


def instance_count_by_host(context):
    """``{host: number of live instances}`` over every project."""
    with _reader(context) as session:
        rows = session.execute(
            sa.select(models.Instance.host, sa.func.count())
            .where(models.Instance.status != STATUS_DELETED)
            .group_by(models.Instance.host)).all()
        return {host: count for host, count in rows}


# -- console sessions -------------------------------------------------------

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
    'token': sa.select(_TOKENS)
    .join(_INSTANCES, _INSTANCES.c.uuid == _TOKENS.c.instance_uuid)
    .where(_TOKENS.c.token_hash == sa.bindparam('token_hash'),
           _TOKENS.c.expires > sa.bindparam('now_ts'),
           _INSTANCES.c.status != sa.bindparam('deleted')),
    'count': sa.select(sa.func.count()).select_from(_SESSIONS).where(
        _SESSIONS.c.instance_uuid == sa.bindparam('instance_uuid'),
        _SESSIONS.c.ended_at.is_(None)),
    'open': sa.select(_SESSIONS.c.uuid).where(
        _SESSIONS.c.instance_uuid == sa.bindparam('instance_uuid'),
        _SESSIONS.c.ended_at.is_(None)),
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


def _compiled(engine, name):
    """``(sql, parameter names or None, literal values)`` of a statement."""
    key = (engine.dialect.name, engine.dialect.driver, name)
    found = _COMPILED.get(key)
    if found is None:
        compiled = _REDEEM_STATEMENTS[name].compile(dialect=engine.dialect)
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
        self.engine = proxy_engine()
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
                           single_use, max_sessions, ending=()):
    """The proxy's one transaction per websocket: token in, session out.

    Looks up the unexpired token of a live instance by ``token_hash``
    (constant-time final comparison) for ``console_type``; with
    ``single_use`` a used token stops there; refuses when the instance
    has ``max_sessions`` open sessions (0: no limit; the sessions whose
    UUIDs are in ``ending`` have ended, their rows not yet written);
    consumes the token with a conditional UPDATE when ``single_use`` (of
    racing callers, exactly one sees its row change); inserts the session
    row.

    :returns: ``(outcome, token dict or None, session dict or None)``;
        outcome is one of the ``REDEEM_*`` constants.
    :raises DatabaseUnavailable: nothing was changed; try again later.
    """
    now = timeutils.utcnow()
    with _Raw() as raw:
        cursor = raw.execute('token', token_hash=token_hash,
                             now_ts=int(timeutils.utcnow_ts()),
                             deleted=STATUS_DELETED)
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
        if max_sessions:
            count = raw.execute(
                'count', instance_uuid=token['instance_uuid']).fetchone()[0]
            if ending and count >= max_sessions:
                # Rare: recount without the sessions whose end is queued.
                count = len({row[0] for row in raw.execute(
                    'open', instance_uuid=token['instance_uuid'])} -
                    set(ending))
            if count >= max_sessions:
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
    with _writer(context) as session:
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
    with _reader(context) as session:
        _instance_get(session, context, instance_uuid)
        rows = session.scalars(
            sa.select(models.ConsoleSession)
            .where(models.ConsoleSession.instance_uuid == instance_uuid)
            .order_by(models.ConsoleSession.id.desc())).all()
        return [_as_dict(row) for row in rows]


def _request_session_end(session, reason, *criteria):
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
    with _writer(context) as session:
        _instance_get(session, context, instance_uuid)
        row = session.scalars(_open_sessions(instance_uuid).where(
            models.ConsoleSession.uuid == session_uuid)).first()
        if row is None:
            raise exception.ConsoleSessionNotFound(
                session_id=session_uuid, instance_id=instance_uuid)
        _request_session_end(session, reason,
                             models.ConsoleSession.id == row.id)
        session.flush()
        session.refresh(row)
        return _as_dict(row)


def console_session_ends_requested(context, session_uuids):
    """``{session uuid: reason}`` of those open sessions that must end.

    A session must end when an end was requested for it or its instance
    is no longer live.
    """
    if not session_uuids:
        return {}
    found = {}
    with _reader(context) as session:
        uuids = list(session_uuids)
        for start in range(0, len(uuids), 500):
            rows = session.execute(
                sa.select(models.ConsoleSession.uuid,
                          models.ConsoleSession.end_reason,
                          models.Instance.status)
                .outerjoin(models.Instance, models.Instance.uuid ==
                           models.ConsoleSession.instance_uuid)
                .where(models.ConsoleSession.uuid.in_(
                    uuids[start:start + 500]),
                    sa.or_(models.ConsoleSession.end_requested_at.isnot(
                        None),
                        models.Instance.status.is_(None),
                        models.Instance.status == STATUS_DELETED))).all()
            for uuid, reason, status in rows:
                found[uuid] = reason or INSTANCE_DELETED
    return found
