"""The serial hub's connections: its sessions, listening, closing.

Helpers of :mod:`consolehub.serialhub.hub`, which runs them on its one
thread.
"""

import socket

#: Bytes read from a socket at once.
READ_CHUNK = 64 * 1024
#: Most bytes read and dropped from a socket before it is closed (so
#: that unread input does not make the close a reset that loses the
#: last notice on its way).
DRAIN_BYTES = 64 * 1024


class Session(object):
    """One connection to the hub: its socket, the number the hub gave
    it (1, 2, ...) and the peer's address (str)."""

    __slots__ = ('sock', 'number', 'role', 'may_write', 'preamble',
                 'deadline', 'pending', 'closed', 'peer', 'events')

    def __init__(self, sock, number, peer, deadline):
        self.sock = sock
        self.number = number
        self.peer = peer
        #: protocol.WRITER or VIEWER once the preamble is read; else None.
        self.role = None
        #: Whether it asked to write (it may become the writer).
        self.may_write = False
        self.preamble = b''
        #: ``time.monotonic()`` by which its preamble must be read.
        self.deadline = deadline
        #: Bytes the socket has not taken yet.
        self.pending = bytearray()
        self.closed = False
        #: The selector events it is registered for (0: none).
        self.events = 0


def bind_first_free(host, ports):
    """A listening socket on ``host`` at the first port of ``ports`` that
    binds; raises the last OSError if none does."""
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    error = OSError('no port to listen on')
    for port in ports:
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((host, port))
            listener.listen(64)
        except OSError as exc:
            listener.close()
            error = exc
            continue
        listener.setblocking(False)
        return listener
    raise error


def farewell(sock, data):
    """Offer ``data`` to a socket once, without waiting, and close it.

    Unread input is drained first: closing a socket with unread bytes
    resets the connection, which may discard what was sent before.
    """
    try:
        if data:
            sock.send(data)
        sock.shutdown(socket.SHUT_WR)
        drained = 0
        while drained < DRAIN_BYTES:
            chunk = sock.recv(READ_CHUNK)
            if not chunk:
                break
            drained += len(chunk)
    except OSError:
        pass
    finally:
        sock.close()
