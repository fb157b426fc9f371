"""The proxy over TLS: ``[DEFAULT] ssl_only`` with ``cert`` and ``key``.

Every listener serves ``https://`` pages and ``wss://`` websockets. The
relay's fast path writes frames straight to a plain client's socket; over
TLS the socket carries ciphertext, so the bytes must go through the TLS
transport, and the client must read exactly what the guest sent.
"""

import os
import ssl
import urllib.request

import pytest

from consolehub.console import service
from tests import certificates
from tests.unit.console import helpers
from tests.unit.console.helpers import BANNER, TIMEOUT


@pytest.fixture
def tls_proxy(database, conf_fixture, tmp_path):
    cert, key = certificates.self_signed(tmp_path)
    helpers.listen_on_any_port(conf_fixture)
    conf_fixture.config(ssl_only=True, cert=cert, key=key)
    server = service.run_in_thread()
    yield server, cert
    server.stop()
    assert server.join(helpers.TIMEOUT)


def _client_context(cert):
    return ssl.create_default_context(cafile=cert)


def test_wss_relays_exactly_the_guests_bytes(tls_proxy, guest, ctx,
                                             instance):
    proxy, cert = tls_proxy
    raw_token = helpers.mint(ctx, instance, guest.port)
    address = 'wss://localhost:%d/?token=%s' % (proxy.bound_port, raw_token)
    payload = os.urandom(512 * 1024)
    with helpers.connect(address, ssl=_client_context(cert)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
        websocket.send(payload)
        echoed = helpers.recv_exactly(websocket, len(payload))
        version = websocket.socket.version()
    assert echoed == payload
    assert version in ('TLSv1.2', 'TLSv1.3')


def test_pages_are_served_over_https_only(tls_proxy):
    proxy, cert = tls_proxy
    url = 'https://localhost:%d/vnc_lite.html' % proxy.bound_port
    with urllib.request.urlopen(url, context=_client_context(cert),
                                timeout=TIMEOUT) as answer:
        assert answer.status == 200
    with pytest.raises(OSError):
        urllib.request.urlopen(
            'http://127.0.0.1:%d/vnc_lite.html' % proxy.bound_port,
            timeout=TIMEOUT)
