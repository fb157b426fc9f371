"""Fixtures of the console proxy tests: a real proxy on 127.0.0.1 (ports
chosen by the kernel) on the SQLite database of ``tests/unit/conftest.py``
and a fake guest (:mod:`tests.unit.console.helpers`)."""

import pytest

from consolehub.console import service
from consolehub import context as consolehub_context
from consolehub.objects import instance as instance_obj
from tests.unit.console import helpers


@pytest.fixture
def ctx():
    return consolehub_context.RequestContext(project_id='p', user_id='u')


@pytest.fixture
def instance(database, ctx):
    return instance_obj.create(ctx, 'vm', 64, 1, 'host1')


@pytest.fixture
def guest():
    server = helpers.start_guest()
    yield server
    helpers.stop_guest(server)


@pytest.fixture
def proxy(database, conf_fixture):
    """A running proxy with its noVNC listener."""
    helpers.listen_on_any_port(conf_fixture)
    server = service.run_in_thread()
    yield server
    server.stop()
    assert server.join(helpers.TIMEOUT)


@pytest.fixture
def all_proxies(database, conf_fixture):
    """A running proxy with its noVNC, SPICE and serial listeners."""
    helpers.listen_on_any_port(conf_fixture)
    conf_fixture.config(enabled=True, group='spice')
    conf_fixture.config(enabled=True, group='serial_console')
    server = service.run_in_thread()
    yield server
    server.stop()
    assert server.join(helpers.TIMEOUT)
