"""Alembic migrations on SQLite, PostgreSQL and MariaDB.

For every revision alembic knows (read from the scripts, so a new
migration is covered without touching this file): upgrade an empty
database to that revision, put a row in, then upgrade to head. The result
must be at head, match the models exactly, and keep the row. Also from
empty straight to head, and ``consolehub-manage db sync``/``db version``
against each server. PostgreSQL and MariaDB are this machine's (loopback);
a server that is not reachable skips its tests with the reason.
"""

import os

import alembic.autogenerate
from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script
import pytest
import sqlalchemy as sa
from sqlalchemy import pool

import consolehub.db
from consolehub.db import models
from consolehub.objects import flavor as flavor_obj
from tests.functional import databases
from tests.functional import servers

SQLITE = 'sqlite'
BACKENDS = (SQLITE,) + databases.BACKENDS
ALEMBIC_INI = os.path.join(os.path.dirname(consolehub.db.__file__),
                           'alembic.ini')


def _script():
    return alembic_script.ScriptDirectory.from_config(
        alembic_config.Config(ALEMBIC_INI))


def _revisions():
    """Every revision, oldest first."""
    return [rev.revision for rev in reversed(list(_script().walk_revisions()))]


class _Sqlite(object):
    def __init__(self, path):
        self.url = 'sqlite:///%s' % path


@pytest.fixture
def database(request, tmp_path):
    backend = request.param
    if backend == SQLITE:
        yield _Sqlite(tmp_path / 'migrations.sqlite')
        return
    with databases.fresh(backend) as database:
        yield database


def _engine(database):
    return sa.create_engine(database.url, poolclass=pool.NullPool)


def _upgrade(engine, revision):
    config = alembic_config.Config(ALEMBIC_INI)
    with engine.begin() as connection:
        config.attributes['connection'] = connection
        alembic_command.upgrade(config, revision)


def _current(engine):
    with engine.connect() as connection:
        return alembic_migration.MigrationContext.configure(
            connection).get_current_revision()


def _schema_diff(engine):
    with engine.connect() as connection:
        context = alembic_migration.MigrationContext.configure(connection)
        return alembic.autogenerate.compare_metadata(context,
                                                     models.BASE.metadata)


def test_the_revision_list_is_linear_and_starts_at_0001():
    revisions = _revisions()
    assert revisions[0] == '0001'
    assert revisions[-1] == _script().get_current_head()
    assert len(_script().get_heads()) == 1
    for older, newer in zip(revisions, revisions[1:]):
        assert _script().get_revision(newer).down_revision == older


@pytest.mark.parametrize('database', BACKENDS, indirect=True)
def test_empty_to_head_matches_the_models(database):
    engine = _engine(database)
    try:
        assert _current(engine) is None
        _upgrade(engine, 'head')
        assert _current(engine) == _script().get_current_head()
        assert _schema_diff(engine) == []
        # Running it again is a no-op.
        _upgrade(engine, 'head')
        assert _current(engine) == _script().get_current_head()
    finally:
        engine.dispose()


_INSTANCE_ROW = {
    'uuid': '3c0e1c33-5d2c-4a4e-8f1e-aaaaaaaaaaaa', 'name': 'kept',
    'status': 'ACTIVE', 'host': 'compute-1', 'project_id': 'p',
    'user_id': 'u', 'memory_mb': 64, 'vcpus': 1,
}


@pytest.mark.parametrize('revision', _revisions())
@pytest.mark.parametrize('database', BACKENDS, indirect=True)
def test_every_revision_upgrades_to_head_keeping_rows(database, revision):
    engine = _engine(database)
    try:
        _upgrade(engine, revision)
        assert _current(engine) == revision
        # The instances table is there from 0001 on.
        with engine.begin() as connection:
            connection.execute(sa.text(
                'INSERT INTO instances (uuid, name, status, host, '
                'project_id, user_id, memory_mb, vcpus) VALUES (:uuid, '
                ':name, :status, :host, :project_id, :user_id, :memory_mb, '
                ':vcpus)'), _INSTANCE_ROW)
        _upgrade(engine, 'head')
        assert _current(engine) == _script().get_current_head()
        assert _schema_diff(engine) == []
        with engine.connect() as connection:
            rows = connection.execute(sa.text(
                'SELECT uuid, name, status, host FROM instances')).all()
        assert [tuple(row) for row in rows] == [
            (_INSTANCE_ROW['uuid'], 'kept', 'ACTIVE', 'compute-1')]
    finally:
        engine.dispose()


@pytest.mark.parametrize('backend', databases.BACKENDS)
def test_manage_db_sync_and_version(backend, tmp_path):
    with databases.fresh(backend) as database:
        deployment = servers.Deployment(str(tmp_path), {
            'database': {'connection': database.url}})
        head = _script().get_current_head()
        assert deployment.manage('db', 'version').strip() == 'None'
        first = _revisions()[0]
        assert deployment.manage('db', 'sync', '--version', first).strip() \
            == 'Database is at revision %s' % first
        assert deployment.manage('db', 'version').strip() == first
        assert deployment.manage('db', 'sync').strip() == (
            'Database is at revision %s' % head)
        assert deployment.manage('db', 'version').strip() == head
        assert database.execute('SELECT version_num FROM alembic_version') \
            == [{'version_num': head}]
        # The built-in flavors come with the schema.
        assert database.execute(
            'SELECT flavorid, name, memory_mb, vcpus, root_gb, is_public '
            'FROM flavors ORDER BY memory_mb') == [
            {'flavorid': flavor.id, 'name': flavor.name,
             'memory_mb': flavor.memory_mb, 'vcpus': flavor.vcpus,
             'root_gb': flavor.disk, 'is_public': True}
            for flavor in flavor_obj.BUILT_IN]
