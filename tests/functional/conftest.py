"""Fixtures shared by the functional test modules.

A module that uses ``api`` defines its own module-scoped ``deployment``
(a :class:`tests.functional.servers.Deployment`).
"""

import pytest

from tests.functional import servers
from tests.functional import stack as stack_lib


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
