"""Teach oslo.db the connection errors of libpq 14 and later, and
SQLite's "database is locked".

oslo.db turns a failed connection into ``DBConnectionError`` (which its
start-up retry, ``[database] max_retries``, waits on) by matching the
driver's message. For PostgreSQL it matches libpq's old wording, "could
not connect to server"; libpq 14 and later say 'connection to server at
"HOST" (ADDRESS), port N failed: Connection refused' instead, so without
this filter a PostgreSQL that is not up yet fails the first attempt
instead of being retried. Registered when :mod:`consolehub.db` is
imported.
"""

from oslo_db import exception as db_exception
from oslo_db.sqlalchemy import exc_filters
from sqlalchemy import exc as sqla_exc

#: libpq >= 14, TCP and Unix socket variants, when the server is not
#: (yet) there. Refusals by a running server (a wrong password, a missing
#: database) are not retried.
LIBPQ_CONNECT_FAILED = (
    r'.*connection to server (?:at|on socket) .* failed: '
    r'(?:Connection refused|No such file or directory|No route to host|'
    r'Network is unreachable|timeout expired|'
    r'server closed the connection unexpectedly|'
    r'FATAL:  the database system is (?:starting up|shutting down|'
    r'in recovery mode))')


@exc_filters.filters('postgresql', sqla_exc.OperationalError,
                     LIBPQ_CONNECT_FAILED)
def _libpq_connection_failed(operational_error, match, engine_name,
                             is_disconnect):
    raise db_exception.DBConnectionError(operational_error)


@exc_filters.filters('sqlite', sqla_exc.OperationalError,
                     r'.*database is locked')
def _sqlite_database_locked(operational_error, match, engine_name,
                            is_disconnect):
    """SQLITE_BUSY: another connection holds the write lock, or a read
    transaction can no longer become a write one. Either way the whole
    transaction may be run again (``engine.retry_on_deadlock``)."""
    raise db_exception.DBDeadlock(operational_error)
