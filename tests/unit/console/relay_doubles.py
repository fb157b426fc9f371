"""Doubles for feeding :class:`consolehub.console.relay.WebsocketConnection`
reads the way asyncio does (``get_buffer``, then ``buffer_updated``): a
transport that records what is written, a guest link that keeps what
the fast path sends, and masked client frames."""

import asyncio
import os
import struct
import types

from websockets import protocol as ws_protocol
from websockets import server as ws_server_protocol

from consolehub.console import relay

MAX_SIZE = 1 << 20


class Transport(asyncio.Transport):
    """Records what the connection writes and whether it reads."""

    closed = False

    def __init__(self):
        super().__init__()
        self.written = bytearray()
        self.reading = True

    def write(self, data):
        self.written += data

    def pause_reading(self):
        self.reading = False

    def resume_reading(self):
        self.reading = True

    def is_closing(self):
        return self.closed

    def close(self):
        self.closed = True

    abort = close

    def can_write_eof(self):
        return True

    def write_eof(self):
        pass

    def set_write_buffer_limits(self, high=None, low=None):
        pass

    def get_write_buffer_size(self):
        return 0


class Link(object):
    """A guest link that keeps what the fast path writes."""

    def __init__(self):
        self.data = bytearray()
        self.writes = 0
        self.writing_paused = False
        self.on_writable = None
        self.session = types.SimpleNamespace(to_client=0)

    def write_now(self, pieces):
        self.data += b''.join(pieces)
        self.writes += 1


def frame(payload, opcode=0x2, fin=True):
    """A client frame (masked), as browsers send them."""
    mask = os.urandom(4)
    length = len(payload)
    first = (0x80 if fin else 0) | opcode
    if length < 126:
        head = struct.pack('!BB', first, 0x80 | length)
    elif length < 65536:
        head = struct.pack('!BBH', first, 0x80 | 126, length)
    else:
        head = struct.pack('!BBQ', first, 0x80 | 127, length)
    masked = bytes(byte ^ mask[index % 4]
                   for index, byte in enumerate(payload))
    return head + mask + masked


class Server(object):
    """What a connection needs of websockets' server: no handler."""

    def __init__(self):
        self.handler_tasks = set()

    async def handler(self, connection):
        pass


def connection(link, max_size=MAX_SIZE):
    """An open :class:`relay.WebsocketConnection` on a :class:`Transport`,
    fast path to ``link`` (a :class:`Link`, or None for none yet).

    Call within a running event loop.
    """
    protocol = ws_server_protocol.ServerProtocol(
        state=ws_protocol.State.OPEN, max_size=max_size)
    opened = relay.WebsocketConnection(protocol, Server(),
                                       ping_interval=None, max_queue=4)
    opened.connection_made(Transport())
    opened.request = relay.HANDSHAKE_DONE  # the handshake
    if link is not None:
        opened.consolehub_connected(link)
    return opened


def feed(connection, data):
    """One read of ``data`` (bytes), as asyncio's transport does it."""
    view = connection.get_buffer(-1)
    view[:len(data)] = data
    connection.buffer_updated(len(data))
