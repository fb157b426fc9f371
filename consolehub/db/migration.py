"""The schema: alembic migrations applied by ``consolehub-manage db``."""

import os

from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration

from consolehub.conf import CONF
from consolehub.db import engine


def alembic_config_for_consolehub():
    """The alembic ``Config`` of our migrations (``db/alembic.ini``)."""
    ini = os.path.join(os.path.dirname(__file__), 'alembic.ini')
    return alembic_config.Config(ini)


def db_sync(version='head'):
    """Upgrade the schema to ``version`` (an alembic revision)."""
    if CONF.database.connection.startswith('sqlite:///'):
        path = CONF.database.connection[len('sqlite:///'):]
        if path and os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
    config = alembic_config_for_consolehub()
    with engine.get_engine().begin() as connection:
        config.attributes['connection'] = connection
        alembic_command.upgrade(config, version)


def db_version():
    """The schema's current alembic revision, or None on an empty database."""
    with engine.get_engine().connect() as connection:
        return alembic_migration.MigrationContext.configure(
            connection).get_current_revision()
