"""Fixtures shared by the unit and the functional tests."""

import pytest

from tests import conf


@pytest.fixture
def conf_fixture():
    """consolehub's CONF for one test (:class:`tests.conf.ConfFixture`):
    ``conf_fixture.config(name=value, group=None)`` overrides options
    until the test ends."""
    fixture = conf.ConfFixture()
    fixture.setUp()
    yield fixture
    fixture.cleanUp()
