"""Shared fixtures of the unit tests: a fresh SQLite schema per test.

``conf_fixture``, ``clock`` and the request contexts (``project_a``,
``project_b``, ``admin``) come from ``tests/conftest.py``.
"""

import pytest

from consolehub.db import engine as db_engine
from consolehub.db import migration


@pytest.fixture
def database(conf_fixture, tmp_path):
    """A migrated SQLite database under ``tmp_path``."""
    conf_fixture.config(state_path=str(tmp_path))
    conf_fixture.config(
        connection='sqlite:///%s/consolehub.sqlite' % tmp_path,
        group='database')
    db_engine.reset()
    migration.db_sync()
    yield
    db_engine.reset()
