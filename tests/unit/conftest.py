"""Shared fixtures: parsed options and a fresh SQLite schema per test."""

from oslo_log import log as logging
import pytest

from consolehub.conf import CONF
from consolehub import context as consolehub_context
from consolehub.db import engine as db_engine
from consolehub.db import migration
from consolehub import rpc


class Overrides(object):
    """``set(name, value, group=None)`` overrides, all undone at the end."""

    def __init__(self):
        self._keys = []

    def set(self, name, value, group=None):
        CONF.set_override(name, value, group=group)
        self._keys.append((name, group))

    def undo(self):
        for name, group in reversed(self._keys):
            CONF.clear_override(name, group=group)


def parse_options_once():
    """Parse CONF with no files or arguments, once per process."""
    if not getattr(CONF, '_consolehub_test_parsed', False):
        logging.register_options(CONF)
        rpc.set_defaults(CONF)
        CONF([], project='consolehub', default_config_files=[])
        CONF._consolehub_test_parsed = True


@pytest.fixture
def overrides():
    parse_options_once()
    keeper = Overrides()
    yield keeper
    keeper.undo()


@pytest.fixture
def database(overrides, tmp_path):
    """A migrated SQLite database under ``tmp_path``."""
    overrides.set('state_path', str(tmp_path))
    overrides.set('connection', 'sqlite:///%s/consolehub.sqlite' % tmp_path,
                  group='database')
    db_engine.reset()
    migration.db_sync()
    yield
    db_engine.reset()


@pytest.fixture
def project_a():
    return consolehub_context.RequestContext(project_id='project-a',
                                             user_id='alice')


@pytest.fixture
def project_b():
    return consolehub_context.RequestContext(project_id='project-b',
                                             user_id='bob')


@pytest.fixture
def admin():
    return consolehub_context.RequestContext(project_id='ops',
                                             user_id='root', roles=['admin'])
