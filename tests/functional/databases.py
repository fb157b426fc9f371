"""Throw-away databases on this machine's PostgreSQL and MariaDB servers.

Each test gets a database of its own with a unique name, created on the
server's administrative account and dropped afterwards, so runs never see
each other's rows. A server that does not answer skips the test with the
reason; it never passes silently.

    with databases.fresh('postgresql') as database:
        ... database.url ...      # for [database] connection
        database.execute('SELECT ...')
"""

import contextlib
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import pool

POSTGRESQL = 'postgresql'
MYSQL = 'mysql'
BACKENDS = (POSTGRESQL, MYSQL)

_SERVERS = {
    POSTGRESQL: {'title': 'PostgreSQL', 'port': 5432,
                 'url': 'postgresql+psycopg2://postgres@127.0.0.1/%s'},
    MYSQL: {'title': 'MariaDB', 'port': 3306,
            'url': 'mysql+pymysql://root@127.0.0.1/%s?charset=utf8mb4'},
}

#: Seconds to wait for a server before calling it unreachable.
CONNECT_TIMEOUT = 5


def _admin_connection(backend):
    """An autocommit DB-API connection to the server (not to a test DB)."""
    if backend == POSTGRESQL:
        import psycopg2
        connection = psycopg2.connect(
            host='127.0.0.1', port=5432, user='postgres', dbname='postgres',
            connect_timeout=CONNECT_TIMEOUT)
        connection.autocommit = True
        return connection
    if backend == MYSQL:
        import pymysql
        return pymysql.connect(
            host='127.0.0.1', port=3306, user='root', password='',
            connect_timeout=CONNECT_TIMEOUT, autocommit=True)
    raise ValueError('unknown database backend %r' % backend)


def _admin_execute(backend, statement):
    connection = _admin_connection(backend)
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


class Database(object):
    """A database made for one test.

    :ivar backend: ``'postgresql'`` or ``'mysql'``.
    :ivar name: the database's name on the server.
    :ivar url: its SQLAlchemy URL, for ``[database] connection``.
    """

    def __init__(self, backend, name):
        self.backend = backend
        self.name = name
        self.title = _SERVERS[backend]['title']
        self.url = _SERVERS[backend]['url'] % name
        self._engine = None

    def __repr__(self):
        return '<Database %s on %s>' % (self.name, self.title)

    @property
    def engine(self):
        """A SQLAlchemy engine on the database that keeps no connections."""
        if self._engine is None:
            self._engine = sa.create_engine(self.url, poolclass=pool.NullPool)
        return self._engine

    def execute(self, statement, **params):
        """Run ``statement`` (SQL text with ``:name`` parameters).

        :returns: the result rows as a list of dicts (empty for DML).
        """
        with self.engine.begin() as connection:
            result = connection.execute(sa.text(statement), params)
            if not result.returns_rows:
                return []
            return [dict(row) for row in result.mappings()]

    def drop(self):
        """Drop the database; connections still open on it are cut."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if self.backend == POSTGRESQL:
            _admin_execute(self.backend, 'DROP DATABASE IF EXISTS "%s" '
                                         'WITH (FORCE)' % self.name)
        else:
            _admin_execute(self.backend,
                           'DROP DATABASE IF EXISTS `%s`' % self.name)


def create(backend, prefix='consolehub_test'):
    """Create an empty, uniquely named database on ``backend``'s server.

    The caller must :meth:`Database.drop` it; :func:`fresh` does.

    :raises pytest.skip.Exception: if the server is not reachable.
    """
    server = _SERVERS[backend]
    name = '%s_%s' % (prefix, uuid.uuid4().hex[:12])
    try:
        connection = _admin_connection(backend)
    except Exception as error:
        pytest.skip('%s is not reachable on 127.0.0.1:%s: %s'
                    % (server['title'], server['port'], error))
    try:
        with connection.cursor() as cursor:
            if backend == POSTGRESQL:
                cursor.execute('CREATE DATABASE "%s" ENCODING \'UTF8\' '
                               'TEMPLATE template0' % name)
            else:
                cursor.execute('CREATE DATABASE `%s` CHARACTER SET utf8mb4 '
                               'COLLATE utf8mb4_general_ci' % name)
    finally:
        connection.close()
    return Database(backend, name)


@contextlib.contextmanager
def fresh(backend, prefix='consolehub_test'):
    """A new database on ``backend`` for the ``with`` block, then dropped."""
    database = create(backend, prefix)
    try:
        yield database
    finally:
        database.drop()
