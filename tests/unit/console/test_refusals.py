"""A refused websocket upgrade is a status line and headers, no body.

A websocket client reads a body as console data; Nova's proxy sends
none, and neither does ours (``Content-Length: 0``), whatever the
reason: an unknown or used token, a foreign origin, a malformed upgrade.
"""

import socket

import pytest

from tests.unit.console import helpers
from tests.unit.console.helpers import BANNER, TIMEOUT


def _answer(port, raw_token, **kwargs):
    """``(status line, {lower-case header: value}, body)`` of the proxy's
    answer to an upgrade request; the proxy closes the connection."""
    with socket.create_connection(('127.0.0.1', port),
                                  timeout=TIMEOUT) as sock:
        sock.sendall(helpers.upgrade_request(port, raw_token, **kwargs))
        answer = b''
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, body = answer.split(b'\r\n\r\n', 1)
    lines = head.decode('latin-1').split('\r\n')
    headers = dict((name.strip().lower(), value.strip()) for name, value in
                   (line.split(':', 1) for line in lines[1:]))
    return lines[0], headers, body


@pytest.mark.parametrize('case, status_line', [
    ('unknown token', 'HTTP/1.1 401 Unauthorized'),
    ('used token', 'HTTP/1.1 401 Unauthorized'),
    ('foreign origin', 'HTTP/1.1 403 Forbidden'),
    ('two Host headers', 'HTTP/1.1 400 Bad Request'),
    ('websocket version 12', 'HTTP/1.1 400 Bad Request'),
])
def test_a_refused_upgrade_has_no_body(proxy, guest, ctx, instance, case,
                                       status_line):
    port = proxy.bound_port
    raw_token = helpers.mint(ctx, instance, guest.port)
    kwargs = {}
    if case == 'unknown token':
        raw_token = 'x' * 43
    elif case == 'used token':
        with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
            assert websocket.recv(timeout=TIMEOUT) == BANNER
    elif case == 'foreign origin':
        kwargs['extra'] = ['Origin: http://elsewhere.example.org']
    elif case == 'two Host headers':
        kwargs['extra'] = ['Host: 127.0.0.1:%d' % port] * 2
    else:
        kwargs['version'] = '12'
    status, headers, body = _answer(port, raw_token, **kwargs)
    assert status == status_line
    assert headers['content-length'] == '0'
    assert 'content-type' not in headers
    assert body == b''
