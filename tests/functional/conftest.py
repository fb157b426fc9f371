"""Fixtures shared by the functional test modules.

A module that uses them defines its own module-scoped ``deployment``
(a :class:`tests.functional.servers.Deployment`).
"""

import pytest

from tests.functional import servers


@pytest.fixture(scope='module')
def api(deployment):
    """An API client of the module's deployment: alice of project demo."""
    return servers.ApiClient(deployment.api_url,
                             deployment.create_token('demo', 'alice'))
