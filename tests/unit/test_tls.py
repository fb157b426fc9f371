"""The console proxy's TLS context from [DEFAULT] ssl_only, cert, key.

A websockets server on 127.0.0.1 given that context, as the proxy's
listeners are (``serve(..., ssl=context)``), answers a ``wss://`` client
that trusts the test's self-signed certificate.
"""

import asyncio
import ssl

import pytest
from websockets.asyncio import client as ws_client
from websockets.asyncio import server as ws_server

from consolehub import exception
from consolehub import tls
from tests import certificates


async def _echo(websocket):
    async for message in websocket:
        await websocket.send(message)


async def _round_trip(server_context, cafile):
    client_context = ssl.create_default_context(cafile=cafile)
    async with ws_server.serve(_echo, '127.0.0.1', 0,
                               ssl=server_context) as server:
        port = server.sockets[0].getsockname()[1]
        async with ws_client.connect('wss://localhost:%d/' % port,
                                     ssl=client_context) as websocket:
            await websocket.send(b'over tls')
            answer = await asyncio.wait_for(websocket.recv(), 10)
            version = websocket.transport.get_extra_info(
                'ssl_object').version()
    return answer, version


def test_no_tls_without_ssl_only(conf_fixture):
    assert tls.server_context() is None


@pytest.mark.parametrize('combined', [False, True])
def test_wss_with_the_certificate_and_key(conf_fixture, tmp_path, combined):
    cert, key = certificates.self_signed(tmp_path, combined=combined)
    conf_fixture.config(ssl_only=True)
    conf_fixture.config(cert=cert)
    conf_fixture.config(key=None if combined else key)
    answer, version = asyncio.run(_round_trip(tls.server_context(), cert))
    assert answer == b'over tls'
    assert version in ('TLSv1.2', 'TLSv1.3')


def test_a_client_not_trusting_the_certificate_is_refused(conf_fixture,
                                                          tmp_path):
    cert, key = certificates.self_signed(tmp_path)
    other, _key = certificates.self_signed(tmp_path, name='other')
    conf_fixture.config(ssl_only=True)
    conf_fixture.config(cert=cert)
    conf_fixture.config(key=key)
    with pytest.raises(ssl.SSLCertVerificationError):
        asyncio.run(_round_trip(tls.server_context(), other))


def test_the_context_needs_tls_1_2_or_later(conf_fixture, tmp_path):
    cert, key = certificates.self_signed(tmp_path)
    conf_fixture.config(ssl_only=True)
    conf_fixture.config(cert=cert)
    conf_fixture.config(key=key)
    assert tls.server_context().minimum_version >= ssl.TLSVersion.TLSv1_2


def test_missing_certificate_is_a_clear_error(conf_fixture, tmp_path):
    conf_fixture.config(ssl_only=True)
    conf_fixture.config(cert=str(tmp_path / 'absent.pem'))
    with pytest.raises(exception.TLSConfigInvalid) as raised:
        tls.server_context()
    assert str(raised.value) == ('Cannot serve TLS with %s: No such file '
                                 'or directory' % (tmp_path / 'absent.pem'))


def test_a_key_of_another_certificate_is_a_clear_error(conf_fixture, tmp_path):
    cert, _key = certificates.self_signed(tmp_path)
    _other, other_key = certificates.self_signed(tmp_path, name='other')
    conf_fixture.config(ssl_only=True)
    conf_fixture.config(cert=cert)
    conf_fixture.config(key=other_key)
    with pytest.raises(exception.TLSConfigInvalid) as raised:
        tls.server_context()
    assert 'KEY_VALUES_MISMATCH' in str(raised.value) or (
        'key values mismatch' in str(raised.value))
