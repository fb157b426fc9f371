"""oslo.db sees libpq >= 14's "server not there" as DBConnectionError."""

import re

from oslo_db import exception as db_exception
from oslo_db.sqlalchemy import engines
import pytest

from consolehub.db import exc_filters
from tests.functional import servers


@pytest.mark.parametrize('message', [
    'connection to server at "127.0.0.1", port 5432 failed: Connection '
    'refused\n\tIs the server running on that host and accepting TCP/IP '
    'connections?',
    'connection to server on socket "/run/postgresql/.s.PGSQL.5432" '
    'failed: No such file or directory',
    'connection to server at "db" (10.0.0.5), port 5432 failed: timeout '
    'expired',
    'connection to server at "db" (10.0.0.5), port 5432 failed: FATAL:  '
    'the database system is starting up',
])
def test_server_not_there_is_a_connection_error(message):
    assert re.match(exc_filters.LIBPQ_CONNECT_FAILED,
                    '(psycopg2.OperationalError) ' + message)


@pytest.mark.parametrize('message', [
    'connection to server at "127.0.0.1", port 5432 failed: FATAL:  '
    'password authentication failed for user "consolehub"',
    'connection to server at "127.0.0.1", port 5432 failed: FATAL:  '
    'database "consolehub" does not exist',
])
def test_refusals_of_a_running_server_are_not_retried(message):
    assert not re.match(exc_filters.LIBPQ_CONNECT_FAILED,
                        '(psycopg2.OperationalError) ' + message)


def test_a_closed_port_is_retried_then_a_connection_error():
    url = ('postgresql+psycopg2://postgres@127.0.0.1:%s/consolehub'
           % servers.free_port())
    with pytest.raises(db_exception.DBConnectionError):
        engines.create_engine(url, max_retries=2, retry_interval=0)
