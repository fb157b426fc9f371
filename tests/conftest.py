"""Fixtures shared by the unit and the functional tests."""

from oslo_utils import fixture as utils_fixture
import pytest

from consolehub import context as consolehub_context
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


@pytest.fixture
def clock():
    """A clock the test moves: oslo.utils' ``TimeFixture``.

    ``timeutils.utcnow()`` (and ``utcnow_ts()``) stand still until the
    test calls ``clock.advance_time_seconds(seconds)``, so a test of
    something that happens after a delay (a heartbeat growing old, a TTL
    passing) need not wait for it. Code that reads ``time.time()`` or the
    database server's clock does not see it.
    """
    fixture = utils_fixture.TimeFixture()
    fixture.setUp()
    yield fixture
    fixture.cleanUp()


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
