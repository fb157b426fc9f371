"""The API under uwsgi with TLS: ``etc/uwsgi/consolehub-api-tls.ini``.

uwsgi's HTTPS router serves the API (SQLite, no compute agent) with a
self-signed certificate the test makes: HTTPS with HSTS and ``https``
links, TLS 1.2 or later, nothing over plain HTTP, headers bounded, and
ten slow TLS clients dripping header lines hold no worker. uwsgi comes
from the venv (pip ``uwsgi``); without it, or without its SSL support,
the test skips and says so.
"""

import os
import socket
import ssl
import subprocess
import tempfile
import time

import pytest
import requests

from tests import certificates
from tests.functional import http_attacks
from tests.functional import servers
from tests.functional import uwsgi_server

INI = os.path.join(uwsgi_server.REPO, 'etc', 'uwsgi', 'consolehub-api-tls.ini')
CLIENT_TIMEOUT = 2.0


@pytest.fixture(scope='module')
def tls_api():
    """``(deployment, port, cert_path)`` of uwsgi serving HTTPS."""
    binary = uwsgi_server.uwsgi_binary()
    if binary is None:
        pytest.skip('uwsgi is not installed (pip install uwsgi)')
    help_text = subprocess.run([binary, '--help'], capture_output=True,
                               text=True).stdout
    if '--https ' not in help_text:
        pytest.skip('this uwsgi was built without SSL (no --https)')
    with tempfile.TemporaryDirectory() as state_path:
        deployment = servers.Deployment(state_path)
        cert, key = certificates.self_signed(state_path)
        port = servers.free_port()
        try:
            deployment.manage('db', 'sync')
            process = uwsgi_server.start_uwsgi(
                deployment, port, ini=INI,
                extra_env={'CONSOLEHUB_TLS_CERT': cert,
                           'CONSOLEHUB_TLS_KEY': key})
            _wait_for_https(port, cert, process)
            yield deployment, port, cert
        finally:
            deployment.stop()


def _wait_for_https(port, cert, process, timeout=60.0):
    """Wait until the workers answer through the router."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get('https://127.0.0.1:%d/' % port, verify=cert,
                            timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError('uwsgi does not serve HTTPS on port %d' % port)
        time.sleep(0.1)


def test_https_with_hsts_and_https_links(tls_api):
    deployment, port, cert = tls_api
    response = requests.get('https://127.0.0.1:%d/' % port, verify=cert,
                            timeout=10)
    assert response.status_code == 200
    assert response.headers['Strict-Transport-Security'] == (
        'max-age=31536000')
    assert response.headers['x-openstack-request-id'].startswith('req-')
    assert 'Set-Cookie' not in response.headers
    assert response.json()['versions'][-1]['links'][0]['href'] == (
        'https://127.0.0.1:%d/v2.1/' % port)
    token = deployment.create_token('demo', 'alice', ['member'])
    listing = requests.get('https://127.0.0.1:%d/instances' % port,
                           headers={'X-Auth-Token': token}, verify=cert,
                           timeout=10)
    assert listing.status_code == 200, listing.text
    assert listing.json() == {'instances': []}


def test_tls_1_2_or_later_and_no_plain_http(tls_api):
    _deployment, port, cert = tls_api
    context = ssl.create_default_context(cafile=cert)
    with socket.create_connection(('127.0.0.1', port), 10) as raw:
        with context.wrap_socket(raw, server_hostname='localhost') as tls:
            assert tls.version() in ('TLSv1.2', 'TLSv1.3')
    with pytest.raises(requests.ConnectionError):
        requests.get('http://127.0.0.1:%d/' % port, timeout=10)


def test_endless_headers_are_refused(tls_api):
    _deployment, port, cert = tls_api
    result = http_attacks.flood_headers(
        port, 16 * 1024 * 1024, tls_context=ssl.create_default_context(
            cafile=cert))
    assert result.refused, result
    assert result.sent < 4 * 1024 * 1024, result


def test_slow_tls_clients_hold_no_worker(tls_api):
    _deployment, port, cert = tls_api
    attack = http_attacks.Slowloris(
        port, 10, 0.5, 8, tls_context=ssl.create_default_context(
            cafile=cert))
    attack.start()
    answered = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            answered.append(requests.get(
                'https://127.0.0.1:%d/v2.1/' % port, verify=cert,
                timeout=CLIENT_TIMEOUT).status_code == 200)
        except requests.RequestException:
            answered.append(False)
    attack.join()
    assert answered and all(answered), answered.count(False)
