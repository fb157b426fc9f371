"""Horizon, unmodified, on consolehub: every page a user opens.

Keystone 30 and Horizon 27 from PyPI (``tox -e horizon``) run beside
``consolehub-all`` (:mod:`tests.functional.horizon.harness`). Headless
Chromium logs in as ``demo`` (member of project demo) and as ``admin``
and opens each page of :data:`PAGES`; a page fails on an HTTP error,
Horizon's "Server error" page, a trip back to the login page, an error
message or toast, or a missing element it must show. Pages that fail
today for a compute API consolehub lacks are ``xfail(strict=True)``
naming that API, so that the test that passes once it exists fails
until its mark goes.

Each visit's consolehub requests and screenshot are in the artefacts
directory (``pages.md``, ``pages.json``, ``*.png``; see conftest).
"""

import pytest

from tests.functional.horizon import browser as horizon_browser

INSTANCE = '/project/instances/{instance_id}/'


def _page(name, path, user='demo', missing_api=None, **kwargs):
    page = horizon_browser.Page(name, path, user, **kwargs)
    marks = ()
    if missing_api:
        marks = pytest.mark.xfail(strict=True, reason=missing_api)
    return pytest.param(page, id=page.slug, marks=marks)


PAGES = [
    _page('Project > Compute > Overview', '/project/',
          expect_css='#project_usage a[href="%s"]' % INSTANCE),
    _page('Project > Compute > Instances', '/project/instances/',
          expect_css='a[href="%s"]' % INSTANCE),
    _page('Project > Compute > Images', '/project/images'),
    _page('Project > Compute > Key Pairs', '/project/key_pairs/'),
    _page('Project > Compute > Server Groups', '/project/server_groups/'),
    _page('Instance detail', INSTANCE),
    _page('Instance detail > Overview',
          INSTANCE + '?tab=instance_details__overview'),
    _page('Instance detail > Log', INSTANCE + '?tab=instance_details__log',
          error_texts=['Unable to get log for instance']),
    _page('Instance detail > Console',
          INSTANCE + '?tab=instance_details__console',
          expect_frame_text=('iframe[src*="vnc_lite.html"]',
                             'Connected to QEMU')),
    _page('Instance detail > Action Log',
          INSTANCE + '?tab=instance_details__audit'),
    _page('Project > Compute > Instances > Launch Instance',
          '/project/instances/', click='a.btn-launch',
          expect_css='.modal-dialog', tolerate=horizon_browser.NO_NEUTRON),
    _page('Admin > Compute > Instances', '/admin/instances/', user='admin',
          expect_css='a[href="/admin/instances/{instance_id}/detail"]'),
    _page('Admin > Compute > Hypervisors', '/admin/hypervisors/',
          user='admin',
          expect_css='#hypervisors a[href^="/admin/hypervisors/"]'),
    _page('Admin > Compute > Host Aggregates', '/admin/aggregates/',
          user='admin'),
    _page('Admin > Compute > Flavors', '/admin/flavors/', user='admin',
          expect_css='tr[data-display="ch.tiny"]'),
    _page('Admin > System > System Information', '/admin/info/',
          user='admin',
          expect_css='#nova_services tbody tr:not(.empty)'),
    _page('Admin > System > Defaults', '/admin/defaults/', user='admin'),
]


@pytest.mark.parametrize('page', PAGES)
def test_page(browser, guest, visits, page):
    visit = browser.visit(page, instance_id=guest)
    visits.append(visit)
    print('consolehub: %s' % visit.api_calls)
    assert visit.problems() == [], (
        'consolehub answered %s' % visit.failed_api_calls())
