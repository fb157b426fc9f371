"""consolehub-api's HTTP server under attack: memory stays bounded and
other clients are served.

A real ``consolehub-api`` process on loopback (SQLite, no compute agent)
with four worker threads and a header deadline of 3 seconds:

* a request whose headers never end, 100 MB of them without a token, is
  refused after ``[api] max_header_size`` and the server's memory does
  not grow by more than a few MiB;
* ten sockets dripping a header line every half second (slowloris)
  occupy no worker: a well-behaved client is answered at once all along,
  and the server closes each dripping socket once its headers are late.
"""

import os
import socket
import tempfile
import time

import pytest
import requests

from tests.functional import http_attacks
from tests.functional import servers

WORKERS = 4
HEADER_TIMEOUT = 3
MAX_HEADER_SIZE = 65536
FLOOD_BUDGET = 100 * 1024 * 1024
SLOW_SOCKETS = 10
DRIP_INTERVAL = 0.5
#: Seconds the slowloris runs at most; far past the header deadline.
SLOWLORIS_DURATION = 15
#: Seconds a well-behaved request may take while under attack.
CLIENT_TIMEOUT = 2.0
#: Most the server's RSS may grow (bytes) while flooded.
RSS_GROWTH_LIMIT = 32 * 1024 * 1024


@pytest.fixture(scope='module')
def api_server():
    """``(deployment, process)`` of a consolehub-api on a free port."""
    with tempfile.TemporaryDirectory() as state_path:
        deployment = servers.Deployment(state_path, {
            'DEFAULT': {'debug': 'false'},
            'api': {'workers': str(WORKERS),
                    'header_timeout': str(HEADER_TIMEOUT),
                    'max_header_size': str(MAX_HEADER_SIZE)},
        })
        try:
            deployment.manage('db', 'sync')
            process = deployment.start('consolehub-api',
                                       wait_port=deployment.api_port)
            yield deployment, process
        finally:
            deployment.stop()


def _served(deployment):
    """Whether ``GET /v2.1/`` answers 200 within CLIENT_TIMEOUT seconds."""
    try:
        response = requests.get(deployment.api_url + '/v2.1/',
                                timeout=CLIENT_TIMEOUT)
    except requests.RequestException:
        return False
    return response.status_code == 200


def test_endless_headers_are_refused_and_memory_stays_bounded(api_server):
    deployment, process = api_server
    assert _served(deployment)
    before = http_attacks.rss_bytes(process.pid)

    result = http_attacks.flood_headers(deployment.api_port, FLOOD_BUDGET)

    growth = http_attacks.rss_bytes(process.pid) - before
    assert result.refused, result
    # What the server read stops at the limit; the rest of what was sent
    # sat in the kernel's socket buffers.
    assert result.sent < 16 * 1024 * 1024, result
    # 431 Request Header Fields Too Large (RFC 6585), unless the server's
    # close overtook it.
    assert (result.status_line == b'' or
            result.status_line.endswith(
                b' 431 Request Header Fields Too Large')), result
    assert growth < RSS_GROWTH_LIMIT, growth
    assert _served(deployment)


def test_slowloris_holds_no_worker_and_is_cut_at_the_deadline(api_server):
    deployment, process = api_server
    attack = http_attacks.Slowloris(deployment.api_port, SLOW_SOCKETS,
                                    DRIP_INTERVAL, SLOWLORIS_DURATION)
    attack.start()
    answered = []
    # A client's requests while the slow sockets are open: from the
    # attack's start until past the header deadline.
    deadline = time.monotonic() + HEADER_TIMEOUT + 2
    while time.monotonic() < deadline:
        answered.append(_served(deployment))
    attack.join()

    assert answered and all(answered), answered.count(False)
    # Each slow socket was closed by the server once its headers were
    # late: after the deadline (less the server's 1 s check interval),
    # well before the attack would have given up.
    assert all(lifetime is not None for lifetime in attack.lifetimes), (
        attack.lifetimes)
    assert all(HEADER_TIMEOUT - 1 <= lifetime <= HEADER_TIMEOUT + 3
               for lifetime in attack.lifetimes), attack.lifetimes
    assert _served(deployment)


def test_a_silent_connection_is_cut_at_the_deadline(api_server):
    """A socket that connects and sends nothing is a slow header too."""
    deployment, _process = api_server
    with socket.create_connection(('127.0.0.1', deployment.api_port),
                                  HEADER_TIMEOUT + 5) as sock:
        started = time.monotonic()
        assert sock.recv(1) == b''
        assert time.monotonic() - started <= HEADER_TIMEOUT + 3


def test_the_request_still_reaches_the_api(api_server):
    deployment, _process = api_server
    token = deployment.create_token('demo', 'alice', ['member'])
    response = requests.get(deployment.api_url + '/instances',
                            headers={'X-Auth-Token': token}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json() == {'instances': []}
    assert os.path.exists(os.path.join(deployment.state_path,
                                       'consolehub.log'))
