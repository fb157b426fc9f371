"""The whole console path on one machine, with real guests.

``consolehub-all`` runs on the embedded defaults (SQLite, the in-process
RPC transport, libvirt's embedded QEMU driver); a user creates an instance
and a console over HTTP, then a websocket client and headless Chromium
reach the guest's VNC server through the noVNC proxy.
"""

import hashlib
import io
import os
import sqlite3
import time

import pytest
from websockets.sync import client as ws_client

from tests.functional import rfb
from tests.functional import servers
from tests import waiting

pytestmark = pytest.mark.skipif(
    not os.path.exists(servers.QEMU_BINARY),
    reason='QEMU (%s) is not installed' % servers.QEMU_BINARY)


@pytest.fixture(scope='module')
def deployment(tmp_path_factory):
    with servers.all_in_one(
            str(tmp_path_factory.mktemp('all-in-one'))) as deployment:
        yield deployment


@pytest.fixture(scope='module')
def active_instance(api):
    started = time.monotonic()
    instance = api.create_instance('e2e-guest')
    instance = api.wait_for_status(instance['id'], 'ACTIVE')
    print('time to ACTIVE: %.3f s' % (time.monotonic() - started))
    yield instance
    api.request('DELETE', '/instances/' + instance['id'])


def test_websocket_client_reads_the_guest_rfb_banner(
        deployment, api, active_instance):
    started = time.monotonic()
    url = api.console_url(active_instance['id'])
    print('time to console URL: %.3f s' % (time.monotonic() - started))
    assert url.startswith('http://127.0.0.1:%s/vnc_lite.html?path=%%3Ftoken'
                          '%%3D' % deployment.proxy_port)
    with ws_client.connect(deployment.console_ws_url(servers.novnc_token(url)),
                           open_timeout=10) as websocket:
        assert websocket.recv(timeout=10) == rfb.RFB_BANNER


def _bright_fraction(png_bytes, box):
    from PIL import Image
    image = Image.open(io.BytesIO(png_bytes)).convert('L').crop(box)
    histogram = image.histogram()
    return sum(histogram[128:]) / float(sum(histogram))


@servers.needs_chromium
def test_browser_shows_the_guest_screen(deployment, api, active_instance,
                                        tmp_path):
    from selenium.webdriver.support import ui

    driver = servers.chromium(tmp_path / 'chromium')
    try:
        driver.get(api.console_url(active_instance['id']))
        status = ui.WebDriverWait(driver, 30).until(
            lambda d: (d.find_element('id', 'status').text
                       if d.find_element('id', 'status').text.startswith(
                           'Connected') else None))
        # noVNC names the desktop QEMU reports: the guest's domain name.
        assert 'instance-%s' % active_instance['id'] in status
        canvas = driver.find_element('css selector', '#screen canvas')
        ui.WebDriverWait(driver, 30).until(
            lambda d: canvas.size['width'] >= 640)
        # SeaBIOS prints its banner, then "No bootable device", in light
        # text on black: some bright pixels, mostly dark ones.
        shot = {}

        def text_on_black():
            png = driver.get_screenshot_as_png()
            box = (canvas.location['x'], canvas.location['y'],
                   canvas.location['x'] + canvas.size['width'],
                   canvas.location['y'] + canvas.size['height'])
            shot.update(png=png, fraction=_bright_fraction(png, box))
            return 0.001 < shot['fraction'] < 0.2

        try:
            waiting.wait_for(
                text_on_black, 30, interval=0.5,
                message=lambda: 'a canvas bright-pixel fraction in '
                                '(0.001, 0.2) (last %.4f, see %s)' % (
                                    shot['fraction'],
                                    tmp_path / 'console.png'))
        finally:
            if shot:
                (tmp_path / 'console.png').write_bytes(shot['png'])
        assert 0.001 < shot['fraction'] < 0.2
    finally:
        driver.quit()


def test_unknown_token_is_refused_with_401(deployment, active_instance):
    assert servers.refusal_status(deployment.console_ws_url('x' * 43)) == 401


def test_missing_token_is_refused_with_401(deployment, active_instance):
    url = 'ws://127.0.0.1:%s/' % deployment.proxy_port
    assert servers.refusal_status(url) == 401


def test_expired_token_is_refused_with_401(deployment, api, active_instance):
    token = servers.novnc_token(api.console_url(active_instance['id']))
    database = os.path.join(deployment.state_path, 'consolehub.sqlite')
    with sqlite3.connect(database) as connection:
        changed = connection.execute(
            'UPDATE console_auth_tokens SET expires = ? '
            'WHERE token_hash = ?',
            (int(time.time()) - 1,
             hashlib.sha256(token.encode()).hexdigest())).rowcount
    assert changed == 1
    assert servers.refusal_status(deployment.console_ws_url(token)) == 401


def test_foreign_origin_is_refused_with_403(
        deployment, api, active_instance):
    token = servers.novnc_token(api.console_url(active_instance['id']))
    status = servers.refusal_status(deployment.console_ws_url(token),
                                    origin='http://evil.example.org')
    assert status == 403


def test_delete_removes_guest_and_refuses_its_tokens(deployment, api):
    instance = api.create_instance('short-lived')
    api.wait_for_status(instance['id'], 'ACTIVE')
    token = servers.novnc_token(api.console_url(instance['id']))
    domain = 'instance-%s' % instance['id']
    assert servers.qemu_runs('guest=' + domain)

    response = api.request('DELETE', '/instances/' + instance['id'])
    assert response.status_code == 204
    assert api.request('GET', '/instances/' +
                       instance['id']).status_code == 404
    assert servers.refusal_status(deployment.console_ws_url(token)) == 401
    # No orphan guest: QEMU for that domain is gone.
    waiting.wait_for(lambda: not servers.qemu_runs('guest=' + domain), 10,
                     interval=0.1, message='QEMU of %s exiting' % domain)
    database = os.path.join(deployment.state_path, 'consolehub.sqlite')
    with sqlite3.connect(database) as connection:
        left = connection.execute(
            'SELECT COUNT(*) FROM console_auth_tokens WHERE instance_uuid = ?',
            (instance['id'],)).fetchone()[0]
    assert left == 0


def test_raw_tokens_never_reach_the_log(deployment, api, active_instance):
    token = servers.novnc_token(api.console_url(active_instance['id']))
    with ws_client.connect(deployment.console_ws_url(token), open_timeout=10):
        pass
    for name in os.listdir(deployment.state_path):
        if name.endswith(('.log', '.out')):
            with open(os.path.join(deployment.state_path, name),
                      errors='replace') as log:
                assert token not in log.read(), name
