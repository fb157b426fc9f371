"""Tests of the noVNC console proxy against a real database and guest.

Each test runs a real proxy on 127.0.0.1 (port chosen by the kernel), a
SQLite database in a temporary directory and a fake guest: a TCP server
that sends an RFB banner and echoes what it receives (the fixtures of
``conftest.py`` beside this file).
"""

import logging
import os
import secrets
import select
import signal
import socket
import sqlite3
import textwrap
import threading
import time

import pytest
import sqlalchemy as sa
from websockets import exceptions as ws_exceptions

from consolehub.console import handshake
from consolehub.console import relay
from consolehub.console import service
from consolehub.db import engine as db_engine
from consolehub.objects import console_auth_token
from consolehub.objects import console_session as session_obj
from consolehub.objects import instance as instance_obj
from tests.unit.console import helpers
from tests.unit.console.helpers import ALLOWED, BANNER, TIMEOUT, WEB_ROOT


# -- relay -------------------------------------------------------------------

def test_valid_token_relays_banner_and_bytes_both_ways(proxy, guest, ctx,
                                                       instance):
    raw_token = helpers.mint(ctx, instance, guest.port)
    payload = os.urandom(1024 * 1024)
    chunk, window = 64 * 1024, 256 * 1024
    echoed = bytearray()
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
        assert websocket.subprotocol is None
        # Keep at most ``window`` bytes in flight: websockets' sync client
        # cannot read while a send of its blocks, so unbounded sending
        # could deadlock the test itself.
        for offset in range(0, len(payload), chunk):
            websocket.send(payload[offset:offset + chunk])
            while offset + chunk - len(echoed) > window:
                echoed += websocket.recv(timeout=TIMEOUT)
        echoed += helpers.recv_exactly(websocket, len(payload) - len(echoed))
    assert echoed == payload


def test_pings_of_a_client_that_never_reads_are_bounded(
        proxy, guest, ctx, instance):
    """The proxy stops reading a client whose pongs pile up unread."""
    raw_token = helpers.mint(ctx, instance, guest.port)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(('127.0.0.1', proxy.bound_port))
    sock.sendall(helpers.upgrade_request(proxy.bound_port, raw_token))
    answer = b''
    while b'\r\n\r\n' not in answer:
        answer += sock.recv(4096)
    assert answer.startswith(b'HTTP/1.1 101 ')
    # 131-byte masked pings, 500 to a write; never a byte read from here.
    ping = bytes((0x89, 0x80 | 125)) + b'mask' + bytes(125)
    burst = ping * 500
    limit = 32 * 1024 * 1024
    sent = 0
    sock.setblocking(False)
    try:
        while sent < limit:
            _readable, writable, _ = select.select([], [sock], [], 1.0)
            if not writable:
                break  # for a second the proxy took nothing more
            try:
                sent += sock.send(burst)
            except BlockingIOError:
                continue
        [session] = proxy.sessions.values()
        waiting = helpers.in_proxy_loop(
            proxy, session.websocket.transport.get_write_buffer_size)
    finally:
        sock.close()
    # Beyond the socket buffers, at most one read's pongs past the mark.
    assert sent < limit
    assert waiting <= relay.WRITE_LIMIT + relay.READ_CHUNK + 65536, waiting


def test_slow_clients_receive_only_their_own_guests_bytes(proxy, ctx,
                                                          instance):
    """Two sessions read from their guests into one shared buffer while
    their clients lag: each client gets exactly its own guest's bytes."""
    size = 8 * 1024 * 1024  # more than the kernel buffers between
    guests = [helpers.start_guest(banner=letter * size)
              for letter in (b'A', b'B')]
    clients = []
    try:
        for guest in guests:
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect(('127.0.0.1', proxy.bound_port))
            clients.append(helpers.connect(
                helpers.url(proxy, helpers.mint(ctx, instance, guest.port)),
                sock=sock, max_size=None))

        def both_behind():
            sessions = list(proxy.sessions.values())
            return len(sessions) == 2 and all(
                helpers.in_proxy_loop(
                    proxy, session.websocket.transport.get_write_buffer_size)
                for session in sessions)

        # Both clients lag: the proxy holds bytes of each, unsent.
        helpers.wait_for(both_behind)
        for client, letter in zip(clients, (b'A', b'B')):
            assert helpers.recv_exactly(client, size) == letter * size
    finally:
        for client in clients:
            client.close()
        for guest in guests:
            helpers.stop_guest(guest)


def test_binary_subprotocol_is_selected(proxy, guest, ctx, instance):
    raw_token = helpers.mint(ctx, instance, guest.port)
    with helpers.connect(helpers.url(proxy, raw_token),
                         subprotocols=['binary']) as websocket:
        assert websocket.subprotocol == 'binary'
        assert websocket.recv(timeout=TIMEOUT) == BANNER


def test_token_cookie_is_accepted(proxy, guest, ctx, instance):
    raw_token = helpers.mint(ctx, instance, guest.port)
    cookie = 'theme=dark; token=%s' % raw_token
    with helpers.connect(helpers.url(proxy),
                         additional_headers={'Cookie': cookie}) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER


def test_text_frame_closes_with_1003(proxy, guest, ctx, instance):
    raw_token = helpers.mint(ctx, instance, guest.port)
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
        websocket.send('not binary')
        with pytest.raises(ws_exceptions.ConnectionClosed) as caught:
            websocket.recv(timeout=TIMEOUT)
    assert caught.value.rcvd.code == 1003


def test_guest_hanging_up_closes_websocket(proxy, ctx, instance):
    listener = socket.create_server(('127.0.0.1', 0))

    def banner_then_hang_up():
        conn, _addr = listener.accept()
        conn.sendall(BANNER)
        conn.close()

    threading.Thread(target=banner_then_hang_up, daemon=True).start()
    raw_token = helpers.mint(ctx, instance, listener.getsockname()[1])
    try:
        with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
            assert websocket.recv(timeout=TIMEOUT) == BANNER
            with pytest.raises(ws_exceptions.ConnectionClosed) as caught:
                websocket.recv(timeout=TIMEOUT)
    finally:
        listener.close()
    assert caught.value.rcvd.code == 1000


def test_refused_connect_tunnel_closes_with_1011(proxy, ctx, instance):
    guest = helpers.start_guest(
        connect_answer=b'HTTP/1.1 404 Not Found\r\n\r\n')
    raw_token = helpers.mint(ctx, instance, guest.port,
                             internal_access_path='/console/x')
    try:
        with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
            with pytest.raises(ws_exceptions.ConnectionClosed) as caught:
                websocket.recv(timeout=TIMEOUT)
    finally:
        helpers.stop_guest(guest)
    assert caught.value.rcvd.code == 1011
    assert caught.value.rcvd.reason == session_obj.REASON_UNREACHABLE
    assert guest.connect_requests == [b'CONNECT /console/x HTTP/1.1\r\n\r\n']


def test_http_connect_tunnel(proxy, ctx, instance):
    guest = helpers.start_guest(connect_answer=b'HTTP/1.1 200 OK\r\n\r\n')
    raw_token = helpers.mint(ctx, instance, guest.port,
                             internal_access_path='/console/abc')
    try:
        with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
            assert websocket.recv(timeout=TIMEOUT) == BANNER
            websocket.send(b'\x03\x00')
            assert helpers.recv_exactly(websocket, 2) == b'\x03\x00'
    finally:
        helpers.stop_guest(guest)
    assert guest.connect_requests == [
        b'CONNECT /console/abc HTTP/1.1\r\n\r\n']


def test_unreachable_guest_closes_with_reason(proxy, ctx, instance):
    raw_token = helpers.mint(ctx, instance, helpers.closed_port())
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        with pytest.raises(ws_exceptions.ConnectionClosed) as caught:
            websocket.recv(timeout=TIMEOUT)
    assert caught.value.rcvd.code == 1011
    assert caught.value.rcvd.reason == 'cannot reach console'


def test_stop_closes_live_session_with_1001(proxy, guest, ctx, instance):
    raw_token = helpers.mint(ctx, instance, guest.port)
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
        port = proxy.bound_port
        proxy.stop()
        with pytest.raises(ws_exceptions.ConnectionClosed) as caught:
            websocket.recv(timeout=TIMEOUT)
    assert caught.value.rcvd.code == 1001
    assert proxy.join(TIMEOUT)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(('127.0.0.1', port), timeout=TIMEOUT)


def test_run_in_thread_raises_when_port_taken(conf_fixture):
    taken = socket.create_server(('127.0.0.1', 0))
    conf_fixture.config(novncproxy_host='127.0.0.1', group='vnc')
    conf_fixture.config(novncproxy_port=taken.getsockname()[1], group='vnc')
    try:
        with pytest.raises(OSError):
            service.run_in_thread()
    finally:
        taken.close()


_MAIN_LOOP_SCRIPT = textwrap.dedent("""
    import sys
    from consolehub.conf import CONF
    CONF([], project='consolehub', default_config_files=[])
    CONF.set_override('novncproxy_host', '127.0.0.1', group='vnc')
    CONF.set_override('novncproxy_port', int(sys.argv[1]), group='vnc')
    from consolehub.console import service
    service.main_loop()
    print('main_loop returned')
""")


def test_main_loop_returns_on_sigterm():
    port = helpers.closed_port()
    with helpers.proxy_process(_MAIN_LOOP_SCRIPT, str(port), port) as process:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, err
    assert b'main_loop returned' in out


# -- tokens ------------------------------------------------------------------

def test_missing_token_is_401(proxy):
    response = helpers.refusal(helpers.url(proxy))
    assert response.status_code == 401
    # No body: a websocket client would read it as console data.
    assert response.body == b''


def test_unknown_token_is_401(proxy, guest, ctx, instance):
    helpers.mint(ctx, instance, guest.port)
    response = helpers.refusal(helpers.url(proxy, secrets.token_urlsafe(32)))
    assert response.status_code == 401


def test_busy_database_is_503_and_keeps_the_token(proxy, guest, ctx,
                                                  instance):
    raw_token = helpers.mint(ctx, instance, guest.port)
    # Another writer holds the database past the proxy's 1 s timeout.
    locker = sqlite3.connect(db_engine.get_engine().url.database,
                             isolation_level=None)
    try:
        locker.execute('BEGIN IMMEDIATE')
        response = helpers.refusal(helpers.url(proxy, raw_token))
    finally:
        locker.execute('ROLLBACK')
        locker.close()
    assert response.status_code == 503
    assert response.headers['Retry-After'] == '1'
    # Nothing was consumed: the same one-time token opens the console now.
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER


def test_expired_token_is_401(proxy, guest, ctx, instance):
    raw_token = helpers.mint(ctx, instance, guest.port)
    with db_engine.get_engine().begin() as connection:
        result = connection.execute(
            sa.text('UPDATE console_auth_tokens SET expires = :past '
                    'WHERE token_hash = :hash'),
            {'past': int(time.time()) - 10,
             'hash': console_auth_token.hash_token(raw_token)})
    assert result.rowcount == 1
    response = helpers.refusal(helpers.url(proxy, raw_token))
    assert response.status_code == 401


def test_token_of_deleted_instance_is_401(proxy, guest, ctx, instance):
    raw_token = helpers.mint(ctx, instance, guest.port)
    instance_obj.destroy(ctx, instance['uuid'])
    response = helpers.refusal(helpers.url(proxy, raw_token))
    assert response.status_code == 401


# -- origin ------------------------------------------------------------------

@pytest.mark.parametrize('origin', [
    'http://evil.example.org',
    'https://dashboard.example.org.evil.example.org',
    'file://127.0.0.1',
    'null',
], ids=['foreign-host', 'suffix-of-allowed', 'file-scheme', 'null'])
def test_foreign_origin_is_403(proxy, guest, ctx, instance, origin):
    raw_token = helpers.mint(ctx, instance, guest.port)
    response = helpers.refusal(helpers.url(proxy, raw_token), origin=origin)
    assert response.status_code == 403


def test_origin_with_other_port_is_403(proxy, guest, ctx, instance):
    raw_token = helpers.mint(ctx, instance, guest.port)
    origin = 'http://127.0.0.1:%d' % helpers.closed_port()
    response = helpers.refusal(helpers.url(proxy, raw_token), origin=origin)
    assert response.status_code == 403


@pytest.mark.parametrize('origin', ['http://127.0.0.1', 'https://127.0.0.1'],
                         ids=['http', 'https'])
def test_origin_without_port_is_not_any_port(proxy, guest, ctx, instance,
                                             origin):
    # The page's port is the scheme's default, not the proxy's.
    raw_token = helpers.mint(ctx, instance, guest.port)
    response = helpers.refusal(helpers.url(proxy, raw_token), origin=origin)
    assert response.status_code == 403


@pytest.mark.parametrize('origin', [
    'http://127.0.0.1:{port}',
    'https://' + ALLOWED,
    'http://%s:8443' % ALLOWED.upper(),
], ids=['same-host-and-port', 'listed', 'listed-upper-case'])
def test_allowed_origin_is_accepted(proxy, guest, ctx, instance, origin):
    raw_token = helpers.mint(ctx, instance, guest.port)
    origin = origin.format(port=proxy.bound_port)
    with helpers.connect(helpers.url(proxy, raw_token),
                         origin=origin) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER


def test_origin_allowed_rules():
    allowed = ['dash.example.org:8443', '[::1]:6080']
    assert handshake.origin_allowed(None, 'h:6080', allowed)
    assert handshake.origin_allowed('https://dash.example.org:8443',
                                    'h:6080', allowed)
    assert not handshake.origin_allowed('https://dash.example.org',
                                        'h:6080', allowed)
    assert handshake.origin_allowed('http://[::1]:6080', 'h', allowed)
    assert handshake.origin_allowed('http://[::1]:6080', '[::1]:6080', [])
    assert not handshake.origin_allowed('http://h:bad', 'h', [])
    # A port left out is the scheme's default, on either side.
    assert handshake.origin_allowed('http://h', 'h', [])
    assert handshake.origin_allowed('http://h:80', 'h', [])
    assert handshake.origin_allowed('https://h', 'h:443', [])
    assert not handshake.origin_allowed('http://h', 'h:6080', [])
    assert not handshake.origin_allowed('https://h', 'h:80', [])
    assert not handshake.origin_allowed('ws://h', 'h', [])


# -- malformed upgrades -------------------------------------------------------

@pytest.mark.parametrize('header', ['Origin', 'Host'])
def test_duplicate_origin_or_host_is_400(proxy, guest, ctx, instance,
                                         header):
    raw_token = helpers.mint(ctx, instance, guest.port)
    value = ('http://127.0.0.1:%d' % proxy.bound_port if header == 'Origin'
             else '127.0.0.1:%d' % proxy.bound_port)
    status, body = helpers.raw_upgrade(
        proxy.bound_port, raw_token,
        extra=['%s: %s' % (header, value), '%s: %s' % (header, value)])
    assert status == 400
    assert body == b''
    # The token was not spent on it.
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER


# -- static files ------------------------------------------------------------

needs_novnc = pytest.mark.skipif(
    not os.path.isfile(os.path.join(WEB_ROOT, 'vnc_lite.html')),
    reason='noVNC (Debian package novnc) is not installed')


@needs_novnc
def test_vnc_lite_html_is_served(proxy):
    response, body = helpers.http_get(proxy.bound_port, 'GET',
                                      '/vnc_lite.html?path=%3Ftoken%3Dxyz')
    assert response.status == 200
    assert response.getheader('Content-Type').startswith('text/html')
    with open(os.path.join(WEB_ROOT, 'vnc_lite.html'), 'rb') as page:
        assert body == page.read()


@needs_novnc
def test_javascript_is_served_with_its_type(proxy):
    response, body = helpers.http_get(proxy.bound_port, 'GET', '/core/rfb.js')
    assert response.status == 200
    assert 'javascript' in response.getheader('Content-Type')
    assert body


@needs_novnc
def test_head_sends_no_body(proxy):
    response, body = helpers.http_get(proxy.bound_port, 'HEAD',
                                      '/vnc_lite.html')
    assert response.status == 200
    size = os.path.getsize(os.path.join(WEB_ROOT, 'vnc_lite.html'))
    assert response.getheader('Content-Length') == str(size)
    assert body == b''


@pytest.mark.parametrize('path', [
    '/../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/app/../../../etc/passwd',
    '//etc/passwd',
    '/no-such-file.html',
    '/',
    '/app',
])
def test_bad_static_paths_are_404(proxy, path):
    response, body = helpers.http_get(proxy.bound_port, 'GET', path)
    assert response.status == 404
    assert b'root:' not in body


def test_post_is_405(proxy):
    response, _body = helpers.http_get(proxy.bound_port, 'POST',
                                       '/vnc_lite.html')
    assert response.status == 405
    assert 'GET' in response.getheader('Allow')


# -- logging -----------------------------------------------------------------

def test_raw_token_never_logged(proxy, guest, ctx, instance, caplog):
    caplog.set_level(logging.DEBUG)
    raw_token = helpers.mint(ctx, instance, guest.port)
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
    # A refused token and a token cookie take other code paths.
    bad_token = secrets.token_urlsafe(32)
    assert helpers.refusal(helpers.url(proxy, bad_token)).status_code == 401
    assert helpers.refusal(helpers.url(proxy), additional_headers={
        'Cookie': 'token=%s' % bad_token}).status_code == 401
    proxy.stop()
    assert proxy.join(TIMEOUT)
    formatter = logging.Formatter('%(name)s %(message)s')
    # The test's own websocket client logs its request line; skip it.
    server_lines = [formatter.format(record) for record in caplog.records
                    if not record.name.startswith('websockets.client')]
    text = '\n'.join(server_lines)
    assert instance['uuid'] in text
    assert console_auth_token.hash_token(raw_token)[:8] in text
    assert raw_token not in text
    assert bad_token not in text
