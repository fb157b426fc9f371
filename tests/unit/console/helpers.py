"""Helpers of the console proxy tests: a fake guest, clients, waits.

The fake guest is a real TCP server on 127.0.0.1 that sends an RFB
banner and echoes what it receives (optionally behind an HTTP CONNECT
answer); the clients are websockets' sync client and ``http.client``.
"""

import asyncio
import contextlib
import http.client
import socket
import socketserver
import struct
import subprocess
import sys
import threading
import time

import pytest
from websockets import exceptions as ws_exceptions
from websockets.sync import client as ws_client

from consolehub import context as consolehub_context
from consolehub.db import console_sessions as db_sessions
from consolehub.objects import console_auth_token

BANNER = b'RFB 003.008\n'
NOVNC = ('vnc', 'novnc')
WEB_ROOT = '/usr/share/novnc'
ALLOWED = 'dashboard.example.org'
TIMEOUT = 10


class _GuestHandler(socketserver.BaseRequestHandler):
    """A VNC server stand-in: banner, then echo."""

    def handle(self):
        server = self.server
        if server.connect_answer is not None:
            head = b''
            while b'\r\n\r\n' not in head:
                chunk = self.request.recv(1024)
                if not chunk:
                    return
                head += chunk
            server.connect_requests.append(head)
            self.request.sendall(server.connect_answer)
            if b' 200 ' not in server.connect_answer:
                return
        self.request.sendall(server.banner)
        while True:
            try:
                data = self.request.recv(65536)
            except OSError:
                return
            if not data:
                return
            self.request.sendall(data)


class Guest(socketserver.ThreadingTCPServer):
    """The fake guest; ``port`` is its TCP port."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, connect_answer=None, banner=BANNER, port=0):
        super().__init__(('127.0.0.1', port), _GuestHandler)
        self.connect_answer = connect_answer
        self.connect_requests = []
        self.banner = banner

    @property
    def port(self):
        return self.server_address[1]


def listen_on_any_port(conf_fixture):
    """Proxy options for tests: every listener on 127.0.0.1, any port."""
    for group, host, port in (('vnc', 'novncproxy_host', 'novncproxy_port'),
                              ('spice', 'html5proxy_host', 'html5proxy_port'),
                              ('serial_console', 'serialproxy_host',
                               'serialproxy_port')):
        conf_fixture.config(**{host: '127.0.0.1'}, group=group)
        conf_fixture.config(**{port: 0}, group=group)
    conf_fixture.config(novnc_web=WEB_ROOT, group='vnc')
    conf_fixture.config(allowed_origins=[ALLOWED], group='console')
    conf_fixture.config(connect_timeout=2, group='console')
    conf_fixture.config(session_check_interval=0.2, group='console')


def start_guest(connect_answer=None, banner=BANNER, port=0):
    guest = Guest(connect_answer, banner, port)
    threading.Thread(target=guest.serve_forever, daemon=True).start()
    return guest


def stop_guest(guest):
    guest.shutdown()
    guest.server_close()


def mint(ctx, instance, port, console_type=NOVNC, **kwargs):
    """A raw console token of ``instance`` for 127.0.0.1:``port``."""
    raw_token, _row = console_auth_token.mint(ctx, console_type, '127.0.0.1',
                                              port, instance['uuid'],
                                              **kwargs)
    return raw_token


def url(proxy, raw_token=None, kind='novnc'):
    """The websocket URL of ``proxy``'s ``kind`` listener, with a token."""
    address = 'ws://127.0.0.1:%d/' % proxy.bound_ports[kind]
    if raw_token is not None:
        address += '?token=' + raw_token
    return address


def connect(address, **kwargs):
    # proxy=None: never go through an HTTP proxy from the environment.
    return ws_client.connect(address, proxy=None, open_timeout=TIMEOUT,
                             **kwargs)


def refusal(address, **kwargs):
    """The HTTP response refusing a websocket upgrade to ``address``."""
    with pytest.raises(ws_exceptions.InvalidStatus) as caught:
        connect(address, **kwargs)
    return caught.value.response


def recv_exactly(websocket, size):
    received = bytearray()
    while len(received) < size:
        message = websocket.recv(timeout=TIMEOUT)
        assert isinstance(message, bytes)
        received += message
    return bytes(received)


def closed(websocket):
    """The close frame the proxy sent, once the websocket closes."""
    with pytest.raises(ws_exceptions.ConnectionClosed) as caught:
        while True:
            websocket.recv(timeout=TIMEOUT)
    return caught.value.rcvd


def http_get(port, method, path, headers=None):
    """``(response, body)`` of a plain HTTP request to 127.0.0.1:port."""
    connection = http.client.HTTPConnection('127.0.0.1', port,
                                            timeout=TIMEOUT)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


_KEY = 'dGhlIHNhbXBsZSBub25jZQ=='  # RFC 6455's sample key


def upgrade_request(port, raw_token, key=_KEY, version='13', extra=()):
    """The bytes of a websocket upgrade request to 127.0.0.1:``port``.

    :param key: ``Sec-WebSocket-Key`` (None: left out); ``version``:
        ``Sec-WebSocket-Version``; ``extra``: further header lines (str).
    """
    lines = ['GET /?token=%s HTTP/1.1' % raw_token]
    if not any(line.lower().startswith('host:') for line in extra):
        lines.append('Host: 127.0.0.1:%d' % port)
    lines += ['Upgrade: websocket', 'Connection: Upgrade',
              'Sec-WebSocket-Version: %s' % version]
    if key is not None:
        lines.append('Sec-WebSocket-Key: %s' % key)
    lines += list(extra)
    return ('\r\n'.join(lines) + '\r\n\r\n').encode('ascii')


def raw_upgrade(port, raw_token, **kwargs):
    """``(status, body)`` of the proxy's answer to a raw upgrade request
    (:func:`upgrade_request`'s arguments); the connection is closed."""
    with socket.create_connection(('127.0.0.1', port),
                                  timeout=TIMEOUT) as sock:
        sock.sendall(upgrade_request(port, raw_token, **kwargs))
        answer = b''
        while b'\r\n\r\n' not in answer:
            chunk = sock.recv(65536)
            assert chunk, answer
            answer += chunk
        head, body = answer.split(b'\r\n\r\n', 1)
        status = int(head.split(b' ', 2)[1])
        if status != 101:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                body += chunk
        return status, body


def reset_after_request(port, raw_token):
    """Send an upgrade request and reset the connection (RST) at once."""
    sock = socket.create_connection(('127.0.0.1', port), timeout=TIMEOUT)
    sock.sendall(upgrade_request(port, raw_token))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    struct.pack('ii', 1, 0))
    sock.close()


def closed_port():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def wait_for(predicate, timeout=TIMEOUT):
    """Poll ``predicate`` until it returns a true value; return it.

    :raises AssertionError: if it never does within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, 'condition never held'
        time.sleep(0.02)


def in_proxy_loop(proxy, func, *args):
    """Run ``func(*args)`` in the proxy's event loop; return its result."""
    async def call():
        return func(*args)

    return asyncio.run_coroutine_threadsafe(
        call(), proxy._loop).result(TIMEOUT)


def sessions_of(instance):
    """Every session row (dicts) of ``instance``, newest first."""
    return db_sessions.console_session_get_all_by_instance(
        consolehub_context.get_admin_context(), instance['uuid'])


@contextlib.contextmanager
def proxy_process(script, argument, port):
    """A Python process running ``script`` (given ``argument``), yielded
    once it listens on ``port``, its stdout and stderr pipes; killed on
    the way out if it is still running."""
    process = subprocess.Popen([sys.executable, '-c', script, argument],
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    try:
        def listening():
            assert process.poll() is None, process.communicate()
            with contextlib.suppress(OSError):
                socket.create_connection(('127.0.0.1', port), 1).close()
                return True
            return False

        wait_for(listening)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
