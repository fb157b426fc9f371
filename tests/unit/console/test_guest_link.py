"""The guest's side of the hot path: what reaches the client's transport.

Every session of an event loop reads into one shared buffer
(:func:`consolehub.console.relay.read_buffer`). CPython 3.12 and later
keep what ``transport.write()`` is given, without copying, when the
socket cannot take it all; a view of the shared buffer kept that way
would later carry another session's bytes. The transport here keeps what
it is given as those versions do, whatever the running version, over a
real socket whose buffer is full (or empty).
"""

import asyncio
import os
import socket
import struct
import types

from websockets import protocol as ws_protocol

from consolehub.console import guest


class _KeepingTransport(asyncio.Transport):
    """A client transport that keeps the objects ``write()`` is given, as
    CPython 3.12's selector transport does when the socket is full."""

    def __init__(self, sock):
        super().__init__()
        self.sock = sock
        self.kept = []

    def write(self, data):
        self.kept.append(data)

    def get_write_buffer_size(self):
        return sum(len(data) for data in self.kept)

    def is_closing(self):
        return False

    def get_extra_info(self, name, default=None):
        return self.sock if name == 'socket' else default


class _GuestTransport(asyncio.Transport):
    def pause_reading(self):
        pass

    def resume_reading(self):
        pass


def _client_socket(full):
    """``(proxy side, client side)`` of a connected socket pair; with
    ``full`` the proxy side's buffers are filled until it takes no more."""
    proxy_side, client_side = socket.socketpair()
    proxy_side.setblocking(False)
    if full:
        try:
            while True:
                proxy_side.send(b'\0' * 65536)
        except BlockingIOError:
            pass
    return proxy_side, client_side


def _link(proxy_side):
    websocket = types.SimpleNamespace(
        protocol=types.SimpleNamespace(state=ws_protocol.State.OPEN),
        transport=_KeepingTransport(proxy_side), paused=False)
    session = types.SimpleNamespace(to_client=0, last_activity=0,
                                    close_reason=None, recorder=None)
    link = guest.GuestLink(websocket, session, True)
    link.connection_made(_GuestTransport())
    return link


def _read(link, data):
    """One read of ``data`` from the guest, as asyncio does it."""
    view = link.get_buffer(-1)
    view[:len(data)] = data
    link.buffer_updated(len(data))


def _frame(payload):
    """The unmasked binary frame of ``payload``, as a server sends it."""
    if len(payload) < 126:
        return struct.pack('!BB', 0x82, len(payload)) + payload
    if len(payload) < 65536:
        return struct.pack('!BBH', 0x82, 126, len(payload)) + payload
    return struct.pack('!BBQ', 0x82, 127, len(payload)) + payload


def test_a_slow_client_keeps_only_its_own_bytes():
    sockets = [_client_socket(full=True) for _ in range(2)]
    links = [_link(proxy_side) for proxy_side, _client in sockets]
    first, second = os.urandom(70000), os.urandom(70000)
    _read(links[0], first)
    _read(links[1], second)  # the same shared buffer, overwritten
    for link, payload in zip(links, (first, second)):
        kept = link.websocket.transport.kept
        assert b''.join(kept) == _frame(payload)
        # Nothing kept refers to a buffer that is written again later.
        assert all(isinstance(data, bytes) for data in kept), [
            type(data) for data in kept]
    for pair in sockets:
        for sock in pair:
            sock.close()


def test_a_client_that_keeps_up_gets_the_frame_at_once():
    proxy_side, client_side = _client_socket(full=False)
    link = _link(proxy_side)
    payload = os.urandom(1000)
    _read(link, payload)
    _read(link, b'x')
    assert link.websocket.transport.kept == []
    expected = _frame(payload) + _frame(b'x')
    received = b''
    client_side.settimeout(5)
    while len(received) < len(expected):
        received += client_side.recv(65536)
    assert received == expected
    assert link.session.to_client == 1001
    proxy_side.close()
    client_side.close()
