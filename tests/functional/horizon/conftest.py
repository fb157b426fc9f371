"""Fixtures of the Horizon tests: the cloud, a guest, a browser, a report.

Screenshots and the pages report (``pages.json``, ``pages.md``) go to
``$CONSOLEHUB_TEST_ARTEFACTS/horizon``, by default ``artefacts/horizon``
in the repository (git-ignored).
"""

import os
import time

import pytest

from tests.functional.horizon import browser as horizon_browser
from tests.functional.horizon import harness
from tests.functional.horizon import processes
from tests.functional import servers

GUEST_NAME = 'horizon-guest'


@pytest.fixture(scope='session')
def artefacts_dir():
    path = os.path.join(
        os.environ.get('CONSOLEHUB_TEST_ARTEFACTS',
                       os.path.join(harness.REPO, 'artefacts')),
        'horizon')
    os.makedirs(path, exist_ok=True)
    return path


@pytest.fixture(scope='session')
def cloud(tmp_path_factory):
    """Keystone, consolehub and Horizon (:func:`harness.cloud`), shared
    by the package's modules: they take a minute to set up."""
    reason = processes.missing_openstack()
    if reason:
        pytest.skip(reason)
    started = time.monotonic()
    with harness.cloud(str(tmp_path_factory.mktemp('hz'))) as cloud:
        print('Keystone, consolehub and Horizon up in %.1f s'
              % (time.monotonic() - started))
        yield cloud


@pytest.fixture(scope='module')
def guest(cloud):
    """An ACTIVE server of project demo, made through consolehub's
    compute API with demo's Keystone token; its id."""
    api = cloud.api('demo')
    response = api.request('POST', '/v2.1/servers', json={
        'server': {'name': GUEST_NAME, 'flavorRef': '1'}})
    assert response.status_code == 202, response.text
    server_id = response.json()['server']['id']
    api.wait_for_status(server_id, 'ACTIVE')
    yield server_id
    api.request('DELETE', '/v2.1/servers/' + server_id)


@pytest.fixture(scope='module')
def browser(cloud, artefacts_dir, tmp_path_factory):
    driver = servers.chromium(str(tmp_path_factory.mktemp('chromium')))
    try:
        yield horizon_browser.Browser(driver, cloud, artefacts_dir)
    finally:
        driver.quit()


@pytest.fixture(scope='module')
def visits(artefacts_dir):
    """The module's :class:`browser.Visit` list, written out at the
    end."""
    collected = []
    yield collected
    if collected:
        path = horizon_browser.write_report(collected, artefacts_dir)
        print('pages report: %s' % path)
