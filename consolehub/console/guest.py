"""The console proxy's connection to a guest's console.

A console token names the guest's console by host and port and, for a
console behind a relay, an ``internal_access_path``: the proxy then
connects to the relay and asks it for the console with an HTTP
``CONNECT`` to that path, as Nova does (:func:`open_link`, once per
session). :class:`GuestLink` is the guest's side of an open session:
every read from the guest goes to the client as one websocket frame.

Every session reads the guest into one shared buffer, so nothing may
keep a reference to it past the read: CPython 3.12 and later queue what
``transport.write()`` is given without copying when the socket cannot
take it all, and a view of the shared buffer queued that way would later
send the client other sessions' bytes. A frame goes to the client's
socket directly (``os.write``) while its transport holds nothing back;
the transport gets an immutable copy of only what the socket did not
take. The copy happens only for a client that lags, and costs what the
transport's own copy cost before (``bench/README.rst``). A recorded
session (:class:`RecordedGuestLink`) reads into its recorder's chunks
instead, which are reused too, under the same rule.
"""

import asyncio
import os
import socket
import struct
import time

from websockets import frames
from websockets import protocol as ws_protocol

from consolehub.console import relay
from consolehub.objects import console_session as session_obj

#: Bytes of the guest's answer to an HTTP CONNECT we are willing to buffer.
MAX_CONNECT_RESPONSE = 8 * 1024


#: Most buffers given to one sendmsg() (Linux takes 1024).
_MAX_PIECES = 512
#: Headers of the unmasked binary frames to the client, by length size.
_HEADER_16 = struct.Struct('!BBH')
_HEADER_64 = struct.Struct('!BBQ')


class TunnelError(Exception):
    """The guest's host refused our HTTP CONNECT."""


def _numeric_address(host, port):
    """getaddrinfo's answer for a literal IP address, or None for a name."""
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except OSError:
            continue
        address = (host, port) if family == socket.AF_INET else (
            host, port, 0, 0)
        return [(family, socket.SOCK_STREAM, 0, '', address)]
    return None


async def connect_socket(loop, host, port):
    """A connected non-blocking TCP socket to ``host``:``port``."""
    error = OSError('no address for %s' % host)
    addresses = _numeric_address(host, port)
    if addresses is None:
        # A name: resolved in the loop's thread pool.
        addresses = await loop.getaddrinfo(host, port,
                                           type=socket.SOCK_STREAM)
    for family, kind, proto, _name, address in addresses:
        sock = socket.socket(family, kind, proto)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        except BaseException:
            sock.close()
            raise
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    raise error


async def tunnel(loop, sock, path):
    """HTTP CONNECT ``path`` over ``sock``; returns bytes after the answer.

    :raises TunnelError: if the relay refuses or answers nonsense.
    """
    if any(char in path for char in ' \r\n'):
        raise TunnelError('bad internal access path')
    await loop.sock_sendall(sock, b'CONNECT %s HTTP/1.1\r\n\r\n'
                            % path.encode('utf-8'))
    head = b''
    while b'\r\n\r\n' not in head:
        if len(head) > MAX_CONNECT_RESPONSE:
            raise TunnelError('CONNECT answer too long')
        chunk = await loop.sock_recv(sock, MAX_CONNECT_RESPONSE)
        if not chunk:
            raise TunnelError('CONNECT to the console failed')
        head += chunk
    head, rest = head.split(b'\r\n\r\n', 1)
    status = head.split(b'\r\n', 1)[0].split()
    if len(status) < 2 or status[1] != b'200':
        raise TunnelError('CONNECT refused')
    return rest


async def open_link(websocket, session, record, connect_timeout):
    """Connect a :class:`GuestLink` to the guest's console.

    Through an HTTP CONNECT to ``internal_access_path`` when the
    token names one (as Nova does for consoles behind a relay); bytes
    the relay sends after its answer go to the client first. The
    session's ``preamble`` (a serial hub's role line), if any, is sent
    before anything of the client's.

    :param session: the :class:`consolehub.console.sessions.Session`;
        ``record``: whether this websocket's bytes count for it (False
        for a SPICE session's further channels).
    :param connect_timeout: seconds for the TCP connection and for the
        CONNECT's answer, each.
    :raises OSError: if the connection fails.
    :raises asyncio.TimeoutError: if it times out.
    :raises TunnelError: if the HTTP CONNECT is refused.
    """
    loop = asyncio.get_running_loop()
    host, port, path = session.target
    sock = await asyncio.wait_for(connect_socket(loop, host, port),
                                  connect_timeout)
    early = b''
    try:
        if path:
            early = await asyncio.wait_for(tunnel(loop, sock, path),
                                           connect_timeout)
        if session.preamble and record:
            await asyncio.wait_for(loop.sock_sendall(sock, session.preamble),
                                   connect_timeout)
        link_class = (RecordedGuestLink
                      if record and session.recorder is not None
                      else GuestLink)
        _transport, link = await loop.create_connection(
            lambda: link_class(websocket, session, record, sock), sock=sock)
    except BaseException:
        sock.close()
        raise
    if early:
        link.forward(early)
    return link


class GuestLink(asyncio.BufferedProtocol):
    """The guest's side of a session, copying guest bytes to the client.

    The kernel reads the guest's bytes straight into the thread's read
    buffer (shared by every link: each read is sent on before the next),
    after room for a frame header; each read goes out as one unmasked
    binary frame written straight to the client's socket (no copy in user
    space), so a 64 KiB screen update costs two system calls; only what
    the socket does not take is copied, for the websocket's transport.
    When the client does not keep up, reading from the guest pauses until
    the websocket's transport has drained, so memory stays bounded.
    """

    def __init__(self, websocket, session, record, sock=None):
        self.on_writable = None
        self.websocket = websocket
        self.session = session
        self.record = record
        self.transport = None
        #: The transport's socket, for writing several buffers at once.
        self.sock = sock
        self.closed = False
        self._buffer, self._view = relay.read_buffer()
        #: The client's socket (int), written to while its transport holds
        #: nothing back; -1 over TLS, where only the transport writes.
        self._client_fd = None
        self._paused = False
        self._drain_waiter = None
        #: The session's recorder for its main link, or None (most
        #: sessions): the client side's only cost of recording is this
        #: test; the guest's side of a recorded session is
        #: :class:`RecordedGuestLink`.
        self.recorder = session.recorder if record else None

    # Guest -> client.

    def connection_made(self, transport):
        self.transport = transport

    def get_buffer(self, sizehint):
        return self._view[relay.HEAD_ROOM:]

    def buffer_updated(self, nbytes):
        self._send(nbytes)

    def forward(self, data):
        """Send ``data`` (bytes from before the link) to the client."""
        for start in range(0, len(data), relay.READ_CHUNK):
            chunk = data[start:start + relay.READ_CHUNK]
            self._view[relay.HEAD_ROOM:relay.HEAD_ROOM + len(chunk)] = chunk
            self._send(len(chunk))

    def _send(self, nbytes):
        websocket = self.websocket
        if websocket.protocol.state is not ws_protocol.State.OPEN:
            return
        if nbytes < 126:
            start = relay.HEAD_ROOM - 2
            self._buffer[start:relay.HEAD_ROOM] = bytes((0x82, nbytes))
        elif nbytes < 65536:
            start = relay.HEAD_ROOM - 4
            self._buffer[start:relay.HEAD_ROOM] = _HEADER_16.pack(
                0x82, 126, nbytes)
        else:
            start = relay.HEAD_ROOM - 10
            self._buffer[start:relay.HEAD_ROOM] = _HEADER_64.pack(
                0x82, 127, nbytes)
        frame = self._view[start:relay.HEAD_ROOM + nbytes]
        transport = websocket.transport
        sent = 0
        if self._client_fd is None:
            # Over TLS the socket carries ciphertext: only the transport
            # may write to it (and is given bytes, never the view).
            self._client_fd = (
                -1 if transport.get_extra_info('sslcontext') is not None
                else transport.get_extra_info('socket').fileno())
        if (self._client_fd >= 0 and not transport.get_write_buffer_size()
                and not transport.is_closing()):
            # What the socket takes now goes straight from the shared
            # buffer; the transport holds only an immutable copy of the
            # rest. Given a view of the shared buffer, CPython >= 3.12's
            # transport would keep the view itself, and the client would
            # later receive other sessions' bytes read into it.
            try:
                sent = os.write(self._client_fd, frame)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                pass  # the transport meets the error again and reports it
        if sent < len(frame):
            transport.write(bytes(frame[sent:]))
        session = self.session
        session.to_client += nbytes
        session.last_activity = time.monotonic()
        if websocket.paused and not self._paused:
            self._paused = True
            self.transport.pause_reading()
            websocket.consolehub_on_resume = self._resume_reading

    def _resume_reading(self):
        if self._paused and not self.closed:
            self._paused = False
            self.transport.resume_reading()

    def eof_received(self):
        return False  # close our side too

    def connection_lost(self, exc):
        self.closed = True
        websocket = self.websocket
        if self.record and self.session.close_reason is None:
            self.session.close_reason = session_obj.REASON_GUEST_CLOSED
        if websocket.protocol.state is ws_protocol.State.OPEN:
            asyncio.ensure_future(websocket.close(
                frames.CloseCode.NORMAL_CLOSURE,
                self.session.close_reason or session_obj.REASON_GUEST_CLOSED))
        self._wake()

    # Client -> guest.

    #: Called once when the guest's write buffer drains.
    on_writable = None

    @property
    def writing_paused(self):
        return self._drain_waiter is not None

    def pause_writing(self):
        self._drain_waiter = asyncio.get_running_loop().create_future()

    def resume_writing(self):
        self._wake()
        callback, self.on_writable = self.on_writable, None
        if callback is not None:
            callback()

    def write_now(self, pieces):
        """Write ``pieces`` (list of bytes), in order, without waiting.

        The fast path's payloads of one read. Several go out in one
        ``sendmsg()`` when the transport holds nothing back, as its own
        ``write()`` would send them, with no copy to join them; the
        transport takes what the socket does not.
        """
        if self.closed:
            return
        if self.recorder is not None:
            self.recorder.client_bytes(b''.join(pieces))
        transport = self.transport
        if len(pieces) == 1:
            count = len(pieces[0])
            transport.write(pieces[0])
        elif (self.sock is None or len(pieces) > _MAX_PIECES or
                transport.get_write_buffer_size() or
                transport.is_closing()):
            data = b''.join(pieces)
            count = len(data)
            transport.write(data)
        else:
            count = self._send_pieces(pieces)
        session = self.session
        session.to_guest += count
        session.last_activity = time.monotonic()

    def _send_pieces(self, pieces):
        """``sendmsg()`` what fits; the transport buffers the rest.

        :returns: the bytes (int) of ``pieces`` together.
        """
        count = sum(map(len, pieces))
        try:
            sent = self.sock.sendmsg(pieces)
        except OSError:
            # Full (or failing): the transport retries and reports.
            sent = 0
        if sent < count:
            self.transport.write(memoryview(b''.join(pieces))[sent:])
        return count

    def _wake(self):
        waiter, self._drain_waiter = self._drain_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def write(self, data):
        """Write ``data`` to the guest; wait while its buffer is full.

        :raises ConnectionResetError: if the guest has gone.
        """
        if self.closed:
            raise ConnectionResetError('guest closed')
        if self.recorder is not None:
            self.recorder.client_bytes(data)
        self.transport.write(data)
        if self._drain_waiter is not None:
            await self._drain_waiter

    def close(self):
        if self.transport is not None:
            self.transport.close()


class RecordedGuestLink(GuestLink):
    """The guest's side of a recorded session: reads go into the
    recorder's chunks (:meth:`consolehub.console.recorder.Recorder.reserve`)
    instead of the shared buffer, and are sent from there exactly as
    :class:`GuestLink` sends them; the recorder keeps the chunk, so no
    read is copied for it. Once the recording ends (truncated, closed)
    reads go to the shared buffer again.
    """

    def __init__(self, websocket, session, record, sock=None):
        super().__init__(websocket, session, record, sock)
        self._shared = (self._buffer, self._view)
        self._in_chunk = False

    def get_buffer(self, sizehint):
        region = self.recorder.reserve()
        if region is None:
            self._in_chunk = False
            self._buffer, self._view = self._shared
            return self._view[relay.HEAD_ROOM:]
        self._in_chunk = True
        self._buffer = self._view = region
        return region[relay.HEAD_ROOM:]

    def buffer_updated(self, nbytes):
        self._send(nbytes)
        if self._in_chunk:
            self.recorder.commit(nbytes)

    def forward(self, data):
        self._in_chunk = False
        self._buffer, self._view = self._shared
        self.recorder.guest_bytes(data)
        super().forward(data)
