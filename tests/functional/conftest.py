"""Fixtures shared by the functional test modules.

A module that uses ``api`` defines its own module-scoped ``deployment``
(a :class:`tests.functional.servers.Deployment`).
"""

import pytest

from consolehub.db import engine as db_engine
from consolehub.db import migration
from tests.functional import databases
from tests.functional import identity_stub
from tests.functional import servers
from tests.functional import stack as stack_lib

SQLITE = 'sqlite'


@pytest.fixture(scope='module')
def api(deployment):
    """An API client of the module's deployment: alice of project demo."""
    return servers.ApiClient(deployment.api_url,
                             deployment.create_token('demo', 'alice'))


@pytest.fixture
def make_stack(tmp_path_factory):
    """``make(backend, hosts=('a',))``: a new
    :class:`tests.functional.stack.Stack` on ``backend``'s server, closed
    (processes, database, RabbitMQ names) when the test ends."""
    stacks = []

    def make(backend, hosts=('a',)):
        stack = stack_lib.Stack(backend, str(tmp_path_factory.mktemp('mp')),
                                hosts)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.close()


@pytest.fixture(params=[SQLITE] + list(databases.BACKENDS))
def any_database(request, conf_fixture, tmp_path):
    """consolehub's schema at head on SQLite, then on this machine's
    PostgreSQL, then MariaDB (a fresh database each, dropped afterwards);
    ``[database] connection`` points at it for the test. Yields the
    backend's name; skips, saying why, when a server is not reachable.
    """
    backend = request.param
    conf_fixture.config(state_path=str(tmp_path))
    if backend == SQLITE:
        conf_fixture.config(
            connection='sqlite:///%s/consolehub.sqlite' % tmp_path,
            group='database')
        database = None
    else:
        database = databases.create(backend)
        conf_fixture.config(connection=database.url, group='database')
    try:
        db_engine.reset()
        migration.db_sync()
        yield backend
    finally:
        db_engine.reset()
        if database is not None:
            database.drop()


@pytest.fixture
def refusing_identity():
    """The v3 URL of an identity endpoint on 127.0.0.1 that refuses every
    lookup, so that the ``openstack`` CLI takes project ids as given
    (:mod:`tests.functional.identity_stub`)."""
    with identity_stub.refusing_identity() as url:
        yield url


@pytest.fixture
def identity_knowing_demo():
    """Like ``refusing_identity``, but it shows project ``demo`` (for
    the CLI's ``quota`` commands, which must find the project)."""
    with identity_stub.refusing_identity(known_projects=['demo']) as url:
        yield url
