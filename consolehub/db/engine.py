"""The database engines and transactions every query module uses.

Queries take a :class:`consolehub.context.RequestContext` and run in an
oslo.db transaction from :func:`reader` or :func:`writer`; rows leave
this package as plain dicts (:func:`as_dict`). The console proxy's two
hot transactions use :func:`proxy_engine` instead
(:mod:`consolehub.db.console_sessions` says why).

SQLite takes one writer at a time. A transaction that reads before it
writes, while another connection commits, can no longer write: SQLite
answers "database is locked" at once (in WAL mode, which the proxy puts
the file in, always; https://sqlite.org/isolation.html), whatever the
busy timeout. So on SQLite :func:`writer` transactions start with
``BEGIN IMMEDIATE``, which waits (up to the driver's 5 s busy timeout)
for the write lock and then cannot lose it; and write functions are
wrapped in :data:`retry_on_deadlock`, which runs the transaction again
when one still loses (a lock held longer than the timeout, or a deadlock
on MariaDB or PostgreSQL).
"""

import contextlib
import threading

from oslo_db import api as oslo_db_api
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import engines
import sqlalchemy as sa

from consolehub.conf import CONF

_CONTEXT_MANAGER = None
_LOCK = threading.Lock()
_PROXY_ENGINE = None
# How many writer() blocks the current thread is in.
_WRITING = threading.local()

#: Decorates a function that runs one write transaction (and is never
#: called inside another): it is run again, after 50 ms, then longer
#: waits with jitter, when the database reports a deadlock or SQLite a
#: locked database (``DBDeadlock``, see :mod:`consolehub.db.exc_filters`).
retry_on_deadlock = oslo_db_api.wrap_db_retry(
    max_retries=5, retry_interval=0.05, inc_retry_interval=True,
    max_retry_interval=1, retry_on_deadlock=True)


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
            engine = manager.writer.get_engine()
            if engine.dialect.name == 'sqlite':
                # oslo.db's listener emits a plain BEGIN; ours replaces it
                # (SQLAlchemy ignores insert=True for engine events, so
                # ours could not run first).
                for listener in list(engine.dispatch.begin):
                    sa.event.remove(engine, 'begin', listener)
                sa.event.listen(engine, 'begin', _sqlite_begin)
            _CONTEXT_MANAGER = manager
        return _CONTEXT_MANAGER


def _sqlite_begin(connection):
    """Begin a transaction as oslo.db does on SQLite, but a
    :func:`writer` transaction with the write lock taken."""
    if 'in_transaction' not in connection.info:
        connection.exec_driver_sql(
            'BEGIN IMMEDIATE' if getattr(_WRITING, 'depth', 0) else 'BEGIN')
        # oslo.db's marker, removed by its commit and rollback listeners.
        connection.info['in_transaction'] = True


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


def get_engine():
    """The SQLAlchemy engine for ``[database] connection``."""
    return _context_manager().writer.get_engine()


def reader(context):
    """A read transaction on ``context`` (a context manager: session)."""
    return _context_manager().reader.using(context)


@contextlib.contextmanager
def writer(context):
    """A write transaction on ``context`` (a context manager: session).

    On SQLite it holds the database's write lock from its start.
    """
    _WRITING.depth = getattr(_WRITING, 'depth', 0) + 1
    try:
        with _context_manager().writer.using(context) as session:
            yield session
    finally:
        _WRITING.depth -= 1


def as_dict(row):
    """An ORM row as ``{column name: value}``, or None for None."""
    if row is None:
        return None
    return {column.name: getattr(row, column.name)
            for column in row.__table__.columns}


def proxy_engine():
    """A pooled SQLAlchemy engine for the console proxy's hot path.

    On PostgreSQL and MariaDB it is oslo.db's engine (its SQL mode, its
    error filters, a ping at each checkout) with a small pool. On SQLite
    oslo.db opens a new connection for every transaction, which costs
    more than the proxy's whole set-up transaction, so this engine keeps
    two connections and puts the file in WAL mode (:func:`_sqlite_wal`).
    """
    global _PROXY_ENGINE
    with _LOCK:
        if _PROXY_ENGINE is None:
            url = CONF.database.connection
            if url.startswith('sqlite'):
                engine = sa.create_engine(
                    url, pool_size=2, max_overflow=2,
                    # The proxy runs SQLite transactions in its event loop:
                    # wait at most a second for another process's write.
                    connect_args={'timeout': 1.0})
                sa.event.listen(engine, 'connect', _sqlite_wal)
            else:
                engine = engines.create_engine(
                    url, mysql_sql_mode=CONF.database.mysql_sql_mode,
                    max_pool_size=2, max_overflow=2, thread_checkin=False,
                    connection_recycle_time=3600,
                    max_retries=CONF.database.max_retries,
                    retry_interval=CONF.database.retry_interval)
                if engine.dialect.name == 'mysql':
                    sa.event.listen(engine, 'connect', _read_committed)
                    # oslo.db tested a connection before the listener.
                    engine.dispose()
            _PROXY_ENGINE = engine
        return _PROXY_ENGINE


def _read_committed(dbapi_connection, _record):
    """MariaDB/MySQL transactions of the proxy in READ COMMITTED.

    InnoDB's default, REPEATABLE READ, reads from a snapshot taken at the
    transaction's first read: a session count made after waiting for the
    instance's row lock would not see the session that the lock's holder
    just inserted, and the limit would be passed. PostgreSQL's default is
    READ COMMITTED already.
    """
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute('SET SESSION TRANSACTION ISOLATION LEVEL '
                       'READ COMMITTED')
    finally:
        cursor.close()


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
