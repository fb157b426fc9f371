"""Every console type end to end: real QEMU guests through the real proxy.

``consolehub-all`` runs with SPICE and serial consoles enabled. For each
console type a client asks the API for a console, connects through the
proxy and talks to the guest: VNC's RFB banner, SPICE's link reply, and
the guest firmware's serial console both ways (SeaBIOS prints on the
serial port and opens its boot menu when it reads ESC from it). Then the
session records, one-time tokens and the delete of an instance with live
sessions.
"""

import contextlib
import hashlib
import os
import sqlite3
import struct
import time
import urllib.parse

import pytest
import websockets.exceptions
from websockets.sync import client as ws_client

from tests.functional import servers

pytestmark = pytest.mark.skipif(
    not os.path.exists(servers.QEMU_BINARY),
    reason='QEMU (%s) is not installed' % servers.QEMU_BINARY)

TIMEOUT = 20


@pytest.fixture(scope='module')
def deployment(tmp_path_factory):
    state_path = str(tmp_path_factory.mktemp('consoles'))
    spice_port = servers.free_port()
    serial_port = servers.free_port()
    low = 20000 + os.getpid() % 20000
    options = {
        'spice': {'enabled': 'true', 'html5proxy_port': str(spice_port),
                  'html5proxy_base_url':
                      'http://127.0.0.1:%d/spice_auto.html' % spice_port},
        'serial_console': {'enabled': 'true',
                           'serialproxy_port': str(serial_port),
                           'base_url': 'ws://127.0.0.1:%d/' % serial_port,
                           'port_range': '%d:%d' % (low, low + 100)},
        'console': {'session_check_interval': '0.5'},
    }
    with servers.all_in_one(state_path, options,
                            (spice_port, serial_port)) as deployment:
        deployment.spice_port = spice_port
        deployment.serial_port = serial_port
        yield deployment


@pytest.fixture(scope='module')
def admin_api(deployment):
    return servers.ApiClient(
        deployment.api_url,
        deployment.create_token('ops', 'root', roles=['admin']))


@pytest.fixture(scope='module')
def guest(api):
    instance = api.create_instance('consoles')
    instance = api.wait_for_status(instance['id'], 'ACTIVE')
    yield instance
    api.request('DELETE', '/instances/' + instance['id'])


def _console_url(api, instance, protocol, console_type):
    response = api.request(
        'POST', '/servers/%s/remote-consoles' % instance['id'],
        json={'remote_console': {'protocol': protocol,
                                 'type': console_type}})
    assert response.status_code == 200, response.text
    body = response.json()['remote_console']
    assert (body['protocol'], body['type']) == (protocol, console_type)
    return body['url']


def _query(url):
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)


def _ws_url(port, token):
    return 'ws://127.0.0.1:%d/?token=%s' % (port, token)


def _vnc(deployment, api, instance):
    url = _console_url(api, instance, 'vnc', 'novnc')
    path = _query(url)['path'][0]
    token = _query(path)['token'][0]
    return _ws_url(deployment.proxy_port, token)


def _serial(deployment, api, instance):
    url = _console_url(api, instance, 'serial', 'serial')
    assert url.startswith('ws://127.0.0.1:%d/?token=' % deployment.serial_port)
    return url


def _connect(url):
    return ws_client.connect(url, open_timeout=TIMEOUT, proxy=None)


def _sessions(admin_api, instance):
    response = admin_api.request(
        'GET', '/instances/%s/console-sessions' % instance['id'])
    assert response.status_code == 200, response.text
    return response.json()['console_sessions']


def _wait_for(predicate, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, 'condition never held'
        time.sleep(0.1)


def test_vnc_banner(deployment, api, guest):
    with _connect(_vnc(deployment, api, guest)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == b'RFB 003.008\n'


def test_spice_link_reply_and_page(deployment, api, guest):
    url = _console_url(api, guest, 'spice', 'spice-html5')
    assert url.startswith('http://127.0.0.1:%d/spice_auto.html?token='
                          % deployment.spice_port)
    token = _query(url)['token'][0]
    # SpiceLinkHeader (magic, major 2, minor 2, size) + SpiceLinkMess for
    # the main channel with no capabilities.
    body = struct.pack('<IBBIII', 0, 1, 0, 0, 0, 18)
    link = b'REDQ' + struct.pack('<III', 2, 2, len(body)) + body
    with _connect(_ws_url(deployment.spice_port, token)) as websocket:
        websocket.send(link)
        reply = websocket.recv(timeout=TIMEOUT)
        assert reply[:4] == b'REDQ'
        major, _minor, size = struct.unpack('<III', reply[4:16])
        assert major == 2 and size > 0
    page = servers.requests.get('http://127.0.0.1:%d/spice_auto.html'
                                % deployment.spice_port, timeout=10)
    assert page.status_code == 200 and 'SpiceMainConn' in page.text


def test_serial_console_both_ways(deployment, api, admin_api, guest):
    url = _serial(deployment, api, guest)
    received = bytearray()
    sent = 0
    with _connect(url) as websocket:
        deadline = time.monotonic() + 60
        # SeaBIOS retries the boot every second and reads keys from the
        # serial port: ESC while it offers its boot menu opens the menu.
        while b'Select boot device' not in received:
            assert time.monotonic() < deadline, bytes(received[-500:])
            websocket.send(b'\x1b')
            sent += 1
            try:
                received += websocket.recv(timeout=0.3)
            except TimeoutError:
                pass
    sessions = _wait_for(lambda: [
        row for row in _sessions(admin_api, guest)
        if row['console_type'] == 'serial' and row['status'] == 'ended'])
    assert sessions[0]['bytes_to_guest'] == sent
    assert sessions[0]['bytes_to_client'] >= len(received)
    assert sessions[0]['close_reason'] == 'client closed'
    page = servers.requests.get('http://127.0.0.1:%d/serial.html'
                                % deployment.serial_port, timeout=10)
    assert page.status_code == 200 and 'WebSocket' in page.text


def test_one_time_token_and_session_record(deployment, api, admin_api,
                                           guest):
    url = _vnc(deployment, api, guest)
    with _connect(url) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == b'RFB 003.008\n'
        assert servers.refusal_status(url) == 401
        websocket.send(b'RFB 003.008\n')
        websocket.recv(timeout=TIMEOUT)  # the security types
    assert servers.refusal_status(url) == 401
    ended = _wait_for(lambda: [
        row for row in _sessions(admin_api, guest)
        if row['console_type'] == 'novnc' and row['status'] == 'ended'
        and row['bytes_to_guest'] == 12])
    assert ended[0]['bytes_to_client'] > 12
    assert ended[0]['client_address'] == '127.0.0.1'
    # A project member may not read session records.
    assert api.request('GET', '/instances/%s/console-sessions'
                       % guest['id']).status_code == 403


def test_token_for_another_guests_port_is_refused(deployment, api, guest):
    """A token whose port has passed to another guest opens nothing: the
    proxy asks the compute agent, which asks libvirt (CVE-2013-0335)."""
    other = api.create_instance('holds-the-port')
    api.wait_for_status(other['id'], 'ACTIVE')
    database = os.path.join(deployment.state_path, 'consolehub.sqlite')

    def token_hash(url):
        token = _query(url)['token'][0]
        return hashlib.sha256(token.encode('ascii')).hexdigest()

    try:
        with sqlite3.connect(database) as connection:
            [(other_port,)] = connection.execute(
                'SELECT port FROM console_auth_tokens WHERE token_hash = ?',
                (token_hash(_vnc(deployment, api, other)),)).fetchall()
            url = _vnc(deployment, api, guest)
            # As if the guest's QEMU had died and the other guest had
            # been given its VNC port.
            changed = connection.execute(
                'UPDATE console_auth_tokens SET port = ? '
                'WHERE token_hash = ?', (other_port, token_hash(url)))
            assert changed.rowcount == 1
        assert servers.refusal_status(url) == 401
    finally:
        api.request('DELETE', '/instances/' + other['id'])


def test_admin_ends_a_live_session(deployment, api, admin_api, guest):
    with _connect(_vnc(deployment, api, guest)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == b'RFB 003.008\n'
        [live] = [row for row in _sessions(admin_api, guest)
                  if row['status'] == 'open']
        response = admin_api.request(
            'DELETE', '/instances/%s/console-sessions/%s'
            % (guest['id'], live['id']))
        assert response.status_code == 202
        with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
            while True:
                websocket.recv(timeout=TIMEOUT)
    assert closed.value.rcvd.reason == 'ended by an administrator'


def test_delete_closes_live_sessions(deployment, api, admin_api):
    instance = api.create_instance('deleted-with-sessions')
    api.wait_for_status(instance['id'], 'ACTIVE')
    with contextlib.ExitStack() as stack:
        vnc = stack.enter_context(_connect(_vnc(deployment, api, instance)))
        serial = stack.enter_context(
            _connect(_serial(deployment, api, instance)))
        assert vnc.recv(timeout=TIMEOUT) == b'RFB 003.008\n'
        assert len(_sessions(admin_api, instance)) == 2
        response = api.request('DELETE', '/instances/' + instance['id'])
        assert response.status_code == 204
        for websocket in (vnc, serial):
            with pytest.raises(websockets.exceptions.ConnectionClosed):
                while True:
                    websocket.recv(timeout=TIMEOUT)
    database = os.path.join(deployment.state_path, 'consolehub.sqlite')

    def ended():
        with sqlite3.connect(database) as connection:
            return connection.execute(
                'SELECT close_reason FROM console_sessions '
                'WHERE instance_uuid = ? AND ended_at IS NOT NULL',
                (instance['id'],)).fetchall()
    reasons = _wait_for(lambda: len(ended()) == 2 and ended())
    # The guest's end may reach the proxy before the delete's notice.
    assert {reason for (reason,) in reasons} <= {'instance deleted',
                                                 'console closed'}


def _open_spice_page(driver, api, guest, attempts=3):
    """Load spice_auto.html for a new console URL until the display
    channel draws the guest's screen on a canvas.

    Debian's spice-html5 drops a leading zero byte of the RSA-encrypted
    ticket (``rsa_encrypt`` in ticket.js formats the number in hex), so
    one channel link in 256 sends a shifted ticket that QEMU cannot
    decrypt and refuses ("Permission denied"); the page then prompts for
    a password. Such an attempt is dismissed and retried with a new
    token; any other failure fails the test.
    """
    from selenium.common import exceptions as selenium_exceptions
    from selenium.webdriver.support import ui

    for attempt in range(attempts):
        driver.get(_console_url(api, guest, 'spice', 'spice-html5'))
        try:
            ui.WebDriverWait(driver, 30).until(
                lambda d: d.find_elements('css selector',
                                          '#spice-screen canvas'))
            return
        except selenium_exceptions.UnexpectedAlertPresentException as alert:
            assert 'Password' in (alert.alert_text or ''), alert
            with contextlib.suppress(
                    selenium_exceptions.NoAlertPresentException):
                driver.switch_to.alert.dismiss()
    raise AssertionError('spice-html5 never linked in %d attempts'
                         % attempts)


@servers.needs_chromium
def test_spice_html5_in_a_browser(deployment, api, admin_api, guest,
                                  tmp_path):
    """Debian's spice-html5 opens its channels with one one-time token."""
    driver = servers.chromium(tmp_path / 'chromium')
    try:
        _open_spice_page(driver, api, guest)

        def one_open_session():
            rows = [row for row in _sessions(admin_api, guest)
                    if row['console_type'] == 'spice-html5'
                    and row['status'] == 'open']
            return rows if len(rows) == 1 else None

        # A refused earlier attempt's session ends as its page goes.
        sessions = _wait_for(one_open_session)
        assert len(sessions) == 1, sessions
    finally:
        driver.quit()
    ended = _wait_for(lambda: [
        row for row in _sessions(admin_api, guest)
        if row['id'] == sessions[0]['id'] and row['status'] == 'ended'])
    assert ended[0]['bytes_to_client'] > 1000


@servers.needs_chromium
def test_serial_terminal_page_in_a_browser(deployment, api, guest,
                                           tmp_path):
    """The proxy's terminal page shows the guest's serial port and types."""
    from selenium.webdriver.common.keys import Keys

    token = _query(_serial(deployment, api, guest))['token'][0]
    driver = servers.chromium(tmp_path / 'chromium')
    try:
        driver.get('http://127.0.0.1:%d/serial.html?token=%s'
                   % (deployment.serial_port, token))
        from selenium.common import exceptions as selenium_exceptions
        from selenium.webdriver.support import ui

        screen = driver.find_element('id', 'screen')
        deadline = time.monotonic() + 60
        while True:
            # ESC opens SeaBIOS's boot menu while it offers it: type it
            # until the menu shows, each time waiting up to 0.3 s for it.
            screen.send_keys(Keys.ESCAPE)
            try:
                ui.WebDriverWait(driver, 0.3, poll_frequency=0.05).until(
                    lambda d: 'Select boot device' in screen.text)
                break
            except selenium_exceptions.TimeoutException:
                assert time.monotonic() < deadline, screen.text[-500:]
        assert driver.find_element('id', 'status').text == 'Connected'
        # The guest's serial hub made this first full session the writer.
        assert driver.find_element('id', 'role').text.startswith('Writer: ')
        assert not driver.find_element('id', 'take-over').is_displayed()
    finally:
        driver.quit()


@servers.needs_chromium
def test_take_over_in_the_dashboard(deployment, api, guest, tmp_path):
    """A second full serial console in the dashboard is a viewer and
    takes over with its button; the writer before it is told."""
    from tests.functional import dashboard_browser

    writer = ws_client.connect(_serial(deployment, api, guest), proxy=None,
                               open_timeout=TIMEOUT)
    dash = dashboard_browser.Dashboard(
        servers.chromium(tmp_path / 'chromium'), deployment.api_url,
        dashboard_browser.artefacts_dir())
    try:
        received = _recv_until(writer, b'[serial console: writer - ')
        dash.sign_in(api.session.headers['X-Auth-Token'])
        dash.signed_in()
        dash.go('/instances/' + guest['id'], '#instance-details')
        dash.find('button[data-console=serial]').click()

        def role():
            if not dash.find_all('#console-frame'):
                return None
            return dash.in_console_frame(
                "const r = document.getElementById('role');"
                "const b = document.getElementById('take-over');"
                "return r && [r.textContent, b.hidden];")

        assert dash.wait(lambda: (lambda seen: seen if seen and seen[0]
                                  else None)(role()),
                         'the frame\'s role')[0].startswith('Viewer: ')
        dash.wait(lambda: role()[1] is False, 'the Take over button')
        dash.driver.switch_to.frame(dash.find('#console-frame'))
        try:
            dash.driver.find_element('id', 'take-over').click()
        finally:
            dash.driver.switch_to.default_content()
        dash.wait(lambda: (role() or [''])[0].startswith('Writer: '),
                  'the new frame to be the writer')
        dash.screenshot('serial-take-over')
        received += _recv_until(writer, b'[serial console: viewer - ')
        assert b'took over' in received
    finally:
        dash.driver.quit()
        writer.close()


def _recv_until(websocket, wanted):
    received = b''
    deadline = time.monotonic() + TIMEOUT
    while wanted not in received:
        assert time.monotonic() < deadline, received[-500:]
        try:
            received += websocket.recv(timeout=1)
        except TimeoutError:
            pass
    return received
