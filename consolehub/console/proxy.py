"""The console proxy: websocket-to-guest relays for every console type.

One asyncio event loop serves up to three listeners, as Nova's three
proxies do on their own ports:

* noVNC on ``[vnc] novncproxy_host``:``novncproxy_port`` (static files of
  ``[vnc] novnc_web``; tokens of type ``novnc``);
* spice-html5 on ``[spice] html5proxy_host``:``html5proxy_port`` when
  ``[spice] enabled`` (static files of ``[spice] html5_web``);
* serial on ``[serial_console] serialproxy_host``:``serialproxy_port``
  when ``[serial_console] enabled`` (a raw websocket, and a minimal
  terminal page at ``/serial.html``).

A plain HTTP ``GET``/``HEAD`` gets a static file; a websocket upgrade
(RFC 6455) carrying a console token, as ``?token=<token>`` or a ``token``
cookie, is checked (``Origin``, then token) before the upgrade and, once
accepted, relayed byte for byte to the guest's console named by the token.

Every accepted websocket opens a console session: a row in
``console_sessions`` written in the same transaction that consumes a
single-use token (``[consoleauth] single_use``) and checks
``[console] max_sessions_per_instance``. One watchdog task ends sessions
whose token expired, that were idle for ``[console] idle_timeout``, that
an administrator ended, or whose instance was deleted (polled every
``[console] session_check_interval`` seconds).

Refusals before the upgrade are HTTP answers: 401 for a missing, unknown,
used or expired token, 403 for a foreign ``Origin``. Refusals after it are
websocket close frames with a reason (1008 for the session limit). Raw
tokens are never logged; log lines and session rows name the instance and
the first 8 hex digits of the token's hash.
"""

import asyncio
import concurrent.futures
import contextlib
import email.utils
import http
import http.cookies
import logging as std_logging
import mimetypes
import os
import resource
import signal
import socket
import struct
import threading
import time
import urllib.parse

from oslo_log import log as logging
try:
    from websockets.speedups import apply_mask as _apply_mask
except ImportError:  # pragma: no cover - websockets built without C
    from websockets.utils import apply_mask as _apply_mask
from websockets.asyncio import server as ws_server
from websockets import datastructures
from websockets import exceptions as ws_exceptions
from websockets import frames
from websockets import http11
from websockets import protocol as ws_protocol

from consolehub.conf import CONF
from consolehub.console import tokens
from consolehub import context as consolehub_context
from consolehub.db import api as db_api
from consolehub import exception

LOG = logging.getLogger(__name__)

#: Bytes read from the guest per websocket message. Large reads keep the
#: number of frames (and their per-frame cost) low on screen updates.
READ_CHUNK = 256 * 1024

#: Bytes of the guest's answer to an HTTP CONNECT we are willing to buffer.
MAX_CONNECT_RESPONSE = 8 * 1024

#: The only websocket subprotocol we speak; noVNC may offer it.
SUBPROTOCOL = 'binary'

#: Websocket close reason sent when the guest cannot be reached.
UNREACHABLE_REASON = 'cannot reach console'

#: Close reasons recorded in session rows and sent to the browser.
REASON_GUEST_CLOSED = 'console closed'
REASON_CLIENT_CLOSED = 'client closed'
REASON_STOPPING = 'console proxy stopping'
REASON_TOKEN_EXPIRED = 'console token expired'
REASON_IDLE = 'idle timeout'
REASON_LIMIT = 'too many console sessions for this instance'
REASON_RESTARTED = 'console proxy restarted'

#: Where the serial console's terminal page lives.
SERIAL_WEB = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'web')

#: Longest the watchdog sleeps between two sweeps, in seconds.
SWEEP_INTERVAL = 0.25

_DEFAULT_PORTS = {'http': 80, 'https': 443}


class _TunnelError(Exception):
    """The guest's host refused our HTTP CONNECT."""


class _QuietLogger(std_logging.LoggerAdapter):
    """websockets' logger without DEBUG and INFO.

    At DEBUG websockets echoes every request line and header, i.e. the
    ``?token=`` query and the ``Cookie`` header: the raw console token.
    """

    def isEnabledFor(self, level):
        # Its INFO lines (one per connection opened and closed) say less
        # than our one line per session and cost as much to format.
        return level > std_logging.INFO and super().isEnabledFor(level)


def _hash_prefix(row):
    return row['token_hash'][:8]


def _split_host(netloc):
    """``(hostname, port)`` of ``host[:port]``; port None when absent.

    :raises ValueError: if the port is not a number.
    """
    parts = urllib.parse.urlsplit('//' + netloc)
    return (parts.hostname or '').lower(), parts.port


def origin_allowed(origin, host_header, allowed_origins):
    """Whether a websocket may be opened from the page at ``origin``.

    Nova's websocketproxy rule: a request without ``Origin`` comes from a
    non-browser client and is allowed. Otherwise the origin's scheme must
    be ``http`` or ``https`` and either its host name (and its port, when
    it names one) equals the request's ``Host`` header's, or its host name
    or ``host:port`` (port defaulting by scheme) is in ``allowed_origins``.

    :param origin: the ``Origin`` header (str) or None.
    :param host_header: the ``Host`` header (str) or None.
    :param allowed_origins: list of ``host`` or ``host:port`` strings, as
        in ``[console] allowed_origins``.
    :returns: bool.
    """
    if origin is None:
        return True
    try:
        parts = urllib.parse.urlsplit(origin.strip())
        hostname, port = (parts.hostname or '').lower(), parts.port
    except ValueError:
        return False
    if parts.scheme not in _DEFAULT_PORTS or not hostname:
        return False
    if host_header:
        try:
            host, host_port = _split_host(host_header.strip())
        except ValueError:
            host, host_port = None, None
        if hostname == host and (port is None or port == host_port):
            return True
    effective_port = port or _DEFAULT_PORTS[parts.scheme]
    shown = '[%s]' % hostname if ':' in hostname else hostname
    candidates = {shown, hostname, '%s:%d' % (shown, effective_port)}
    return any(entry.strip().lower() in candidates
               for entry in allowed_origins)


def _request_token(request):
    """The raw token of a request: ``?token=`` first, then a cookie."""
    query = urllib.parse.urlsplit(request.path).query
    token = urllib.parse.parse_qs(query).get('token', [''])[0]
    if token:
        return token
    # noVNC may forward the token as a cookie instead (as Nova accepts).
    for header in request.headers.get_all('Cookie'):
        cookie = http.cookies.SimpleCookie()
        for part in header.split(';'):
            try:
                cookie.load(part.strip())
            except http.cookies.CookieError:
                # Never echo the cookie: it may hold a token.
                LOG.debug('Ignoring a malformed cookie')
                continue
            if 'token' in cookie and cookie['token'].value:
                return cookie['token'].value
    return None


def _is_upgrade(request):
    return any('websocket' in value.lower()
               for value in request.headers.get_all('Upgrade'))


def _response(status, body, content_type, extra_headers=()):
    status = http.HTTPStatus(status)
    headers = datastructures.Headers([
        ('Date', email.utils.formatdate(usegmt=True)),
        ('Connection', 'close'),
        ('Content-Length', str(len(body))),
        ('Content-Type', content_type),
        ('X-Content-Type-Options', 'nosniff'),
    ])
    for name, value in extra_headers:
        headers[name] = value
    return http11.Response(status.value, status.phrase, headers, body)


def _read_static(web_root, url_path):
    """Blocking: ``(bytes, content type)`` of a web file, or None.

    Only regular files strictly below ``web_root`` are served: any ``.``
    or ``..`` segment (also percent-encoded) gets None, so do directories.
    """
    path = urllib.parse.unquote(urllib.parse.urlsplit(url_path).path)
    segments = [segment for segment in path.split('/') if segment]
    if (not segments or '\x00' in path
            or any(segment in ('.', '..') for segment in segments)):
        return None
    full_path = os.path.join(web_root, *segments)
    if not os.path.isfile(full_path):
        return None
    try:
        with open(full_path, 'rb') as static_file:
            body = static_file.read()
    except OSError:
        return None
    content_type = (mimetypes.guess_type(full_path)[0]
                    or 'application/octet-stream')
    if (content_type.startswith('text/')
            or content_type.endswith('javascript')):
        content_type += '; charset=utf-8'
    return body, content_type


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


async def _connect_socket(loop, host, port):
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


async def _tunnel(loop, sock, path):
    """HTTP CONNECT ``path`` over ``sock``; returns bytes after the answer.

    :raises _TunnelError: if the relay refuses or answers nonsense.
    """
    if any(char in path for char in ' \r\n'):
        raise _TunnelError('bad internal access path')
    await loop.sock_sendall(sock, b'CONNECT %s HTTP/1.1\r\n\r\n'
                            % path.encode('utf-8'))
    head = b''
    while b'\r\n\r\n' not in head:
        if len(head) > MAX_CONNECT_RESPONSE:
            raise _TunnelError('CONNECT answer too long')
        chunk = await loop.sock_recv(sock, MAX_CONNECT_RESPONSE)
        if not chunk:
            raise _TunnelError('CONNECT to the console failed')
        head += chunk
    head, rest = head.split(b'\r\n\r\n', 1)
    status = head.split(b'\r\n', 1)[0].split()
    if len(status) < 2 or status[1] != b'200':
        raise _TunnelError('CONNECT refused')
    return rest


#: Room kept in front of each read for the websocket frame header.
_HEAD_ROOM = 10

_THREAD_STATE = threading.local()


def _read_buffer():
    """This thread's ``(bytearray, memoryview)`` for guest reads.

    asyncio calls ``get_buffer``, reads and calls ``buffer_updated`` in one
    go, and :class:`_GuestLink` writes the bytes on before returning (the
    transport copies what the socket cannot take), so one buffer serves
    every session of an event loop: idle sessions cost no buffer.
    """
    state = getattr(_THREAD_STATE, 'buffer', None)
    if state is None:
        buffer = bytearray(_HEAD_ROOM + READ_CHUNK)
        state = _THREAD_STATE.buffer = (buffer, memoryview(buffer))
    return state


class _GuestLink(asyncio.BufferedProtocol):
    """The guest's side of a session, copying guest bytes to the client.

    The kernel reads the guest's bytes straight into the thread's read
    buffer (shared by every link: each read is sent on before the next),
    after room for a frame header; each read goes out as one unmasked
    binary frame written directly on the websocket's transport (no copy
    in user space), so a 64 KiB screen update costs two system calls.
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
        self._buffer, self._view = _read_buffer()
        self._paused = False
        self._drain_waiter = None

    # Guest -> client.

    def connection_made(self, transport):
        self.transport = transport

    def get_buffer(self, sizehint):
        return self._view[_HEAD_ROOM:]

    def buffer_updated(self, nbytes):
        self._send(nbytes)

    def forward(self, data):
        """Send ``data`` (bytes from before the link) to the client."""
        for start in range(0, len(data), READ_CHUNK):
            chunk = data[start:start + READ_CHUNK]
            self._view[_HEAD_ROOM:_HEAD_ROOM + len(chunk)] = chunk
            self._send(len(chunk))

    def _send(self, nbytes):
        websocket = self.websocket
        if websocket.protocol.state is not ws_protocol.State.OPEN:
            return
        if nbytes < 126:
            start = _HEAD_ROOM - 2
            self._buffer[start:_HEAD_ROOM] = bytes((0x82, nbytes))
        elif nbytes < 65536:
            start = _HEAD_ROOM - 4
            self._buffer[start:_HEAD_ROOM] = _HEADER_16.pack(0x82, 126,
                                                             nbytes)
        else:
            start = _HEAD_ROOM - 10
            self._buffer[start:_HEAD_ROOM] = _HEADER_64.pack(0x82, 127,
                                                             nbytes)
        # The transport sends what it can now and copies only the rest.
        websocket.transport.write(self._view[start:_HEAD_ROOM + nbytes])
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
            self.session.close_reason = REASON_GUEST_CLOSED
        if websocket.protocol.state is ws_protocol.State.OPEN:
            asyncio.ensure_future(websocket.close(
                frames.CloseCode.NORMAL_CLOSURE,
                self.session.close_reason or REASON_GUEST_CLOSED))
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
        self.transport.write(data)
        if self._drain_waiter is not None:
            await self._drain_waiter

    def close(self):
        if self.transport is not None:
            self.transport.close()


class _Connection(ws_server.ServerConnection, asyncio.BufferedProtocol):
    """A websocket connection with a fast path from the client to the guest.

    The kernel reads the client's bytes straight into the thread's shared
    read buffer (see :func:`_read_buffer`). Once open, the client's
    single-frame binary messages (all that noVNC and spice-html5 send) are
    parsed there, unmasked by websockets' C extension and written to the
    guest before the read returns: one write per read, however many frames
    it holds, and a frame cut by the end of a read has its first part sent
    at once. So the connection keeps no buffer: only a cut frame header
    (or a cut control frame, at most 131 bytes) between two reads.

    Control frames still go to websockets, which answers pings and closes.
    Any other data frame (text, fragmented, oversized) hands the rest of
    the connection to websockets, whose messages the session's task
    relays in order; so do the handshake's bytes.
    """

    consolehub_on_resume = None
    #: The session's :class:`_GuestLink` once connected to the guest.
    consolehub_link = None
    # Per-connection state of the fast path, as class defaults so that an
    # idle session stores none of it.
    #: Bytes received once open but before the guest link is ready.
    _fast_pending = b''
    #: The start of a frame cut by the end of the last read (bytes).
    _fast_head = b''
    #: Payload bytes still to come of a binary frame cut by a read (int),
    #: and its mask (4 bytes) rotated to apply from the next byte on.
    _fast_left = 0
    _fast_mask = b''
    #: Set once websockets parses the rest of the connection.
    _fast_off = False
    _reading_paused_for_guest = False

    def resume_writing(self):
        super().resume_writing()
        callback, self.consolehub_on_resume = self.consolehub_on_resume, None
        if callback is not None:
            callback()

    def get_buffer(self, sizehint):
        """The shared buffer, after the cut frame head of the last read.

        The head goes back in front of the new bytes, so frames are parsed
        in one contiguous buffer. Safe to share: asyncio reads and calls
        :meth:`buffer_updated` in one go, which consumes the bytes.
        """
        view = _read_buffer()[1]
        head = self._fast_head
        if not head:
            return view
        view[:len(head)] = head
        return view[len(head):]

    def buffer_updated(self, nbytes):
        """Handle ``nbytes`` (int) read after the kept head, if any."""
        view = _read_buffer()[1]
        if self._fast_head:
            nbytes += len(self._fast_head)
            self._fast_head = b''
        state = self.protocol.state
        if self._fast_off or state is _CONNECTING:
            # The handshake, or websockets' from here on: as plain reads.
            super().data_received(bytes(view[:nbytes]))
            return
        link = self.consolehub_link
        if link is None:
            # Not connected to the guest yet: keep the frames, in order,
            # unless websockets must see them now (closing, too many).
            pending = self._fast_pending + view[:nbytes]
            self._fast_pending = b''
            if (len(pending) > READ_CHUNK or
                    state is not _OPEN):
                self._slow_from(pending, 0, len(pending))
            else:
                self._fast_pending = pending
            return
        self._parse(view, nbytes, link)

    def consolehub_connected(self, link):
        """Start the fast path: the guest link is ready."""
        self.consolehub_link = link
        pending, self._fast_pending = self._fast_pending, b''
        if pending and not self._fast_off:
            self._parse(memoryview(pending), len(pending), link)

    def _slow_from(self, buffer, position, size):
        """Hand ``buffer[position:size]`` and all later bytes to websockets.

        Always at a frame boundary, so websockets parses whole frames.
        """
        self._fast_off = True
        super().data_received(bytes(buffer[position:size]))

    def _parse(self, buffer, size, link):
        """Relay the frames in ``buffer[:size]`` (a memoryview) to the guest.

        Starts with the rest of a payload cut by the last read, if any;
        keeps the head of a frame cut by this one in ``_fast_head``.
        """
        pieces = []
        position = 0
        if self._fast_left:
            position = self._rest_of_payload(buffer, size, pieces)
        protocol = self.protocol
        limit = protocol.max_message_size or _NO_LIMIT
        while size - position >= 2:
            first, second = buffer[position], buffer[position + 1]
            if (second < 0x80 or protocol.state is not _OPEN or
                    first != 0x82 and first not in _CONTROL_FIRST):
                # Text, fragments, reserved bits, no mask, or the closing
                # handshake begun: websockets' business from here on.
                self._hand_over(buffer, position, size, link, pieces)
                return
            # The mask bit is set: 0xfe and 0xff announce longer lengths.
            if second < 0xfe:
                start = position + 6
                if start > size:
                    break
                length = second & 0x7f
                mask = _MASK.unpack_from(buffer, position + 2)[0]
            elif second == 0xfe:
                start = position + 8
                if start > size:
                    break
                length, mask = _MASKED_16.unpack_from(buffer, position + 2)
            else:
                start = position + 14
                if start > size:
                    break
                length, mask = _MASKED_64.unpack_from(buffer, position + 2)
            end = start + length
            if first == 0x82 and length <= limit:
                if end > size:
                    self._cut_payload(buffer, start, size, length, mask,
                                      pieces)
                    position = size
                    break
                if length:
                    pieces.append(_apply_mask(buffer[start:end], mask))
                position = end
            elif first == 0x82 or length > 125:
                # Too big: websockets closes with 1009, or 1002.
                self._hand_over(buffer, position, size, link, pieces)
                return
            elif end > size:
                break  # a cut control frame is kept whole (< 132 bytes)
            else:
                # Close, ping, pong: websockets answers them, after the
                # data that came before.
                if pieces:
                    link.write_now(pieces)
                    pieces = []
                super().data_received(bytes(buffer[position:end]))
                position = end
        if position < size:
            self._fast_head = bytes(buffer[position:size])
        if pieces:
            link.write_now(pieces)
        if link.writing_paused and not self._reading_paused_for_guest:
            self._reading_paused_for_guest = True
            self.transport.pause_reading()
            link.on_writable = self._resume_for_guest

    def _rest_of_payload(self, buffer, size, pieces):
        """Unmask the rest of the payload cut by the last read.

        :returns: the position (int) after what ``buffer[:size]`` holds
            of it.
        """
        left = self._fast_left
        if left > size:
            self._cut_payload(buffer, 0, size, left, self._fast_mask, pieces)
            return size
        self._fast_left = 0
        pieces.append(_apply_mask(buffer[:left], self._fast_mask))
        return left

    def _cut_payload(self, buffer, start, size, length, mask, pieces):
        """Unmask ``buffer[start:size]``, the first part of a payload of
        ``length`` bytes; keep what the rest needs for the next read.

        :param mask: the payload's 4-byte mask (bytes), as it applies at
            ``start``; kept rotated by the bytes unmasked now.
        """
        count = size - start
        if count:
            pieces.append(_apply_mask(buffer[start:size], mask))
        shift = count & 3
        self._fast_left = length - count
        self._fast_mask = mask[shift:] + mask[:shift]

    def _hand_over(self, buffer, position, size, link, pieces):
        """Write ``pieces``, then give the rest to websockets for good."""
        if pieces:
            link.write_now(pieces)
        self._slow_from(buffer, position, size)

    def _resume_for_guest(self):
        if self._reading_paused_for_guest:
            self._reading_paused_for_guest = False
            if not self.transport.is_closing():
                self.transport.resume_reading()


#: A frame header's mask, and a longer length with the mask after it.
_MASK = struct.Struct('4s')
_MASKED_16 = struct.Struct('!H4s')
_MASKED_64 = struct.Struct('!Q4s')
#: First header bytes of close, ping and pong frames (FIN, no RSV bits).
_CONTROL_FIRST = frozenset((0x88, 0x89, 0x8a))
_CONNECTING = ws_protocol.State.CONNECTING
_OPEN = ws_protocol.State.OPEN
_NO_LIMIT = 1 << 64
#: Most buffers given to one sendmsg() (Linux takes 1024).
_MAX_PIECES = 512
#: Stands for the handshake request once a session no longer needs it.
_HANDSHAKE_DONE = http11.Request('/', datastructures.Headers())

_HEADER_16 = struct.Struct('!BBH')
_HEADER_64 = struct.Struct('!BBQ')


class Listener(object):
    """One listening socket of the proxy and the consoles it serves.

    :param kind: ``novnc``, ``spice-html5`` or ``serial``: the
        ``console_type`` of the tokens it accepts.
    """

    def __init__(self, kind, host, port, web_root):
        self.kind = kind
        self.host = host
        self.port = port
        self.web_root = web_root
        self.server = None

    @property
    def bound_port(self):
        server = self.server
        if server is None or not server.sockets:
            return None
        return server.sockets[0].getsockname()[1]


def default_listeners():
    """The listeners ``CONF`` enables: noVNC, then SPICE and serial."""
    listeners = [Listener('novnc', CONF.vnc.novncproxy_host,
                          CONF.vnc.novncproxy_port, CONF.vnc.novnc_web)]
    if CONF.spice.enabled:
        listeners.append(Listener(
            'spice-html5', CONF.spice.html5proxy_host,
            CONF.spice.html5proxy_port, CONF.spice.html5_web))
    if CONF.serial_console.enabled:
        listeners.append(Listener(
            'serial', CONF.serial_console.serialproxy_host,
            CONF.serial_console.serialproxy_port, SERIAL_WEB))
    return listeners


class Session(object):
    """A live console session: one websocket, or several for SPICE.

    Counters are payload bytes; ``last_activity`` is ``time.monotonic()``
    of the last byte either way.
    """

    __slots__ = ('uuid', 'kind', 'instance_uuid', 'token_hash', 'client_ip',
                 'expires', 'target', 'websocket', 'channels', 'to_client',
                 'to_guest', 'last_activity', 'close_reason')

    def __init__(self, row, token, websocket, client_ip):
        self.uuid = row['uuid']
        self.kind = token['console_type']
        self.instance_uuid = token['instance_uuid']
        self.token_hash = token['token_hash']
        self.client_ip = client_ip
        self.expires = token['expires']
        #: (host, port, internal_access_path) of the guest's console.
        self.target = (token['host'], token['port'],
                       token['internal_access_path'])
        self.websocket = websocket
        self.channels = set()
        self.to_client = 0
        self.to_guest = 0
        self.last_activity = time.monotonic()
        self.close_reason = None

    @property
    def log_args(self):
        return {'instance': self.instance_uuid, 'token': self.token_hash[:8],
                'session': self.uuid}

    def end(self, reason, code=frames.CloseCode.NORMAL_CLOSURE):
        """Close every websocket of the session with ``reason``."""
        if self.close_reason is None:
            self.close_reason = reason
        for websocket in [self.websocket] + list(self.channels):
            if websocket.state is ws_protocol.State.OPEN:
                asyncio.ensure_future(websocket.close(code, reason))


class ConsoleProxy(object):
    """The console proxy, reading its settings from ``CONF``.

    Listens as :func:`default_listeners` says unless given ``listeners``.
    Options marked mutable (``[console] idle_timeout``,
    ``max_sessions_per_instance``, ``session_outlives_token``,
    ``session_check_interval``, ``allowed_origins``; ``[consoleauth]
    single_use``) are read when used, so a SIGHUP that reloads the config
    files changes them for new and open sessions alike. Run it with
    :meth:`serve_forever`, or use :func:`run_in_thread` / :func:`main_loop`.
    """

    def __init__(self, listeners=None):
        self.listeners = listeners or default_listeners()
        self.max_message_size = CONF.console.max_message_size
        self.connect_timeout = CONF.console.connect_timeout
        self.sessions = {}
        self._by_token = {}
        self._db_executor = None
        self._db_inline = False
        self._ends = []
        self._lock = threading.Lock()
        self._loop = None
        self._stop_requested = False
        self._finished = threading.Event()

    @property
    def bound_port(self):
        """The noVNC listener's TCP port (int), or None if not bound.

        Differs from ``[vnc] novncproxy_port`` when that is 0.
        """
        return self.listeners[0].bound_port

    @property
    def bound_ports(self):
        """``{kind: port}`` of every bound listener."""
        return {listener.kind: listener.bound_port
                for listener in self.listeners}

    async def serve_forever(self, started=None):
        """Listen and serve until :meth:`stop` is called.

        :param started: optional ``asyncio.Event`` or ``threading.Event``,
            set once every socket listens (``bound_ports`` are known).
        :raises OSError: if an address cannot be bound.
        """
        loop = asyncio.get_running_loop()
        self._db_executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix='console-db')
        self._db_inline = CONF.database.connection.startswith('sqlite')
        watchdog = None
        try:
            for listener in self.listeners:
                listener.server = await self._serve(listener)
                LOG.info('Console proxy for %(kind)s listening on '
                         '%(host)s:%(port)s, serving %(web)s',
                         {'kind': listener.kind, 'host': listener.host,
                          'port': listener.bound_port,
                          'web': listener.web_root})
            await self._end_orphans()
            with self._lock:
                self._loop = loop
                stop_now = self._stop_requested
            watchdog = asyncio.create_task(self._watchdog())
            if started is not None:
                started.set()
            if stop_now:
                self._close_servers()
            for listener in self.listeners:
                await listener.server.wait_closed()
            await self._flush_ends()
            LOG.info('Console proxy stopped')
        finally:
            if watchdog is not None:
                watchdog.cancel()
            for listener in self.listeners:
                if listener.server is not None:
                    listener.server.close()
            with self._lock:
                self._loop = None
            self._db_executor.shutdown(wait=True)
            self._finished.set()

    async def _end_orphans(self):
        """Mark sessions an earlier proxy left open as ended.

        One proxy serves a deployment, so an open session row nobody here
        holds belongs to a proxy that stopped without recording it.
        """
        try:
            ended = await self._in_db_thread(
                db_api.console_session_end_all_open,
                consolehub_context.get_admin_context(), REASON_RESTARTED)
        except Exception as error:
            LOG.error('Cannot close the session records of an earlier '
                      'proxy: %s', error)
            return
        if ended:
            LOG.warning('Marked %d console sessions of an earlier proxy '
                        'ended', ended)

    def _serve(self, listener):
        async def process_request(connection, request):
            return await self._process_request(listener, connection,
                                               request)

        return ws_server.serve(
            self._handle_session, listener.host, listener.port,
            create_connection=_Connection,
            process_request=process_request,
            select_subprotocol=self._select_subprotocol,
            # VNC and SPICE data are already compressed; permessage-deflate
            # would cost far more CPU and memory than it saves.
            compression=None,
            max_size=self.max_message_size,
            # Flow control: at most this much waits in each direction.
            max_queue=4,
            write_limit=READ_CHUNK,
            logger=_QuietLogger(std_logging.getLogger('websockets.server')))

    def stop(self):
        """Stop serving; safe to call from any thread, and more than once.

        Stops accepting connections, closes every open console session
        with websocket close code 1001 (going away), records their end
        and makes :meth:`serve_forever` return. Does not wait: see
        :meth:`join`.
        """
        with self._lock:
            self._stop_requested = True
            loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # loop already closed
                loop.call_soon_threadsafe(self._close_servers)

    def join(self, timeout=None):
        """Wait until :meth:`serve_forever` has returned.

        :param timeout: seconds (float) or None to wait without limit.
        :returns: True if it has returned, False on timeout.
        """
        return self._finished.wait(timeout)

    def _close_servers(self):
        for session in self.sessions.values():
            if session.close_reason is None:
                session.close_reason = REASON_STOPPING
        for listener in self.listeners:
            if listener.server is not None:
                listener.server.close(code=frames.CloseCode.GOING_AWAY,
                                      reason=REASON_STOPPING)

    # -- handshake ----------------------------------------------------------

    def _select_subprotocol(self, connection, subprotocols):
        return SUBPROTOCOL if SUBPROTOCOL in subprotocols else None

    async def _process_request(self, listener, connection, request):
        """Serve static files; check origin and token before upgrading.

        On success ``connection.consolehub`` holds what
        :meth:`_handle_session` needs: ``('session', Session, token)``,
        ``('channel', Session, token)`` for another SPICE channel, or
        ``('refuse', reason)`` for a websocket to close at once.
        """
        if not _is_upgrade(request):
            return await self._serve_static(listener, request)
        origin = request.headers.get('Origin')
        if not origin_allowed(origin, request.headers.get('Host'),
                              CONF.console.allowed_origins):
            LOG.warning('Refused a console websocket from origin %s',
                        origin[:200])
            return connection.respond(
                http.HTTPStatus.FORBIDDEN,
                'Origin not allowed for this console proxy\n')
        raw_token = _request_token(request)
        if not raw_token or len(raw_token) > tokens.MAX_TOKEN_LENGTH:
            return self._unauthorized()
        client_ip = (connection.remote_address or ('',))[0]
        limit = CONF.console.max_sessions_per_instance
        # Session writes run one at a time (see _in_db_write), so the
        # session count and the insert are consistent within this process,
        # which is the only proxy of a deployment; the token's conditional
        # UPDATE is atomic across processes in any case.
        try:
            outcome, token, row = await self._in_db_write(
                db_api.console_session_redeem, tokens.hash_token(raw_token),
                listener.kind, client_ip, CONF.consoleauth.single_use, limit,
                [end[0] for end in self._ends] if limit else ())
        except exception.DatabaseUnavailable as error:
            LOG.warning('Cannot check a console token now: %s', error)
            return _response(http.HTTPStatus.SERVICE_UNAVAILABLE,
                             b'Console proxy busy, try again\n',
                             'text/plain; charset=utf-8',
                             [('Retry-After', '1')])
        if outcome == db_api.REDEEM_USED:
            primary = self._by_token.get(token['token_hash'])
            if (listener.kind == 'spice-html5' and primary is not None
                    and primary.client_ip == client_ip
                    and primary.close_reason is None):
                # Another channel of a SPICE client already in session.
                connection.consolehub = ('channel', primary, token)
                return None
            LOG.info('Refused a console websocket: token %s was used '
                     'already', _hash_prefix(token))
            return self._unauthorized()
        if outcome == db_api.REDEEM_LIMIT:
            LOG.warning('Refused a console session for instance '
                        '%(instance)s (token %(token)s): %(limit)d open',
                        {'instance': token['instance_uuid'],
                         'token': _hash_prefix(token), 'limit': limit})
            connection.consolehub = ('refuse', REASON_LIMIT)
            return None
        if outcome != db_api.REDEEM_OK:
            return self._unauthorized()
        connection.consolehub = ('session', row, token)
        return None

    @staticmethod
    def _unauthorized():
        LOG.info('Refused a console websocket: missing, unknown or expired '
                 'token')
        # A plain answer: the connection object may be gone already.
        return _response(http.HTTPStatus.UNAUTHORIZED,
                         b'Invalid or expired console token\n',
                         'text/plain; charset=utf-8')

    async def _in_db_write(self, func, *args):
        """Run one of the proxy's own transactions (redeem, finish).

        On SQLite, a local file, they take well under a millisecond and
        run right here in the event loop: a hop to a thread and back costs
        more, under load several GIL switches. On a database server they
        run in the database thread, so network waits never block the
        loop. Either way they run one at a time.
        """
        if self._db_inline:
            return func(*args)
        return await self._in_db_thread(func, *args)

    def _in_db_thread(self, func, *args):
        return asyncio.get_running_loop().run_in_executor(
            self._db_executor, func, *args)

    async def _serve_static(self, listener, request):
        if request.method not in ('GET', 'HEAD'):
            return _response(http.HTTPStatus.METHOD_NOT_ALLOWED,
                             b'Method not allowed\n',
                             'text/plain; charset=utf-8',
                             [('Allow', 'GET, HEAD')])
        found = await asyncio.to_thread(_read_static, listener.web_root,
                                        request.path)
        if found is None:
            return _response(http.HTTPStatus.NOT_FOUND, b'Not found\n',
                             'text/plain; charset=utf-8')
        body, content_type = found
        response = _response(http.HTTPStatus.OK, body, content_type)
        if request.method == 'HEAD':
            response.body = b''
        return response

    # -- session ------------------------------------------------------------

    async def _open_guest(self, websocket, session, record=True):
        """Connect a :class:`_GuestLink` to the guest's console.

        Through an HTTP CONNECT to ``internal_access_path`` when the
        token names one (as Nova does for consoles behind a relay); bytes
        the relay sends after its answer go to the client first.

        :raises OSError: if the connection fails or times out.
        :raises _TunnelError: if the HTTP CONNECT is refused.
        """
        loop = asyncio.get_running_loop()
        host, port, path = session.target
        sock = await asyncio.wait_for(_connect_socket(loop, host, port),
                                      self.connect_timeout)
        early = b''
        try:
            if path:
                early = await asyncio.wait_for(
                    _tunnel(loop, sock, path), self.connect_timeout)
            _transport, link = await loop.create_connection(
                lambda: _GuestLink(websocket, session, record, sock),
                sock=sock)
        except BaseException:
            sock.close()
            raise
        if early:
            link.forward(early)
        return link

    async def _handle_session(self, websocket):
        what = websocket.consolehub
        websocket.consolehub = None
        # The handshake's request and response (headers) are no use now;
        # held by thousands of sessions for hours they add up. websockets
        # only tests that a request was received.
        websocket.request = _HANDSHAKE_DONE
        websocket.response = None
        if what[0] == 'refuse':
            await websocket.close(frames.CloseCode.POLICY_VIOLATION, what[1])
            return
        if what[0] == 'channel':
            await self._run_channel(websocket, what[1])
            return
        session = Session(what[1], what[2], websocket,
                          (websocket.remote_address or ('',))[0])
        del what  # the token and session rows: Session has what it needs
        self.sessions[session.uuid] = session
        self._by_token[session.token_hash] = session
        try:
            await self._run(websocket, session)
        finally:
            del self.sessions[session.uuid]
            if self._by_token.get(session.token_hash) is session:
                del self._by_token[session.token_hash]
            for channel in list(session.channels):
                with contextlib.suppress(Exception):
                    await channel.close(frames.CloseCode.NORMAL_CLOSURE,
                                        session.close_reason or '')
            self._record_end(session)

    def _record_end(self, session):
        """Queue the session's end for the next batch write."""
        self._ends.append((session.uuid,
                           session.close_reason or REASON_CLIENT_CLOSED,
                           session.to_client, session.to_guest))
        LOG.info('Console session %(session)s closed for instance '
                 '%(instance)s (token %(token)s): %(reason)s, %(out)d bytes '
                 'to the client, %(in)d to the guest',
                 dict(session.log_args, reason=session.close_reason,
                      out=session.to_client, **{'in': session.to_guest}))

    async def _flush_ends(self):
        """Write the queued session ends in one transaction.

        Batched so that a session's end never delays the next session's
        set-up in the database thread, and a thousand sessions ending at
        once cost one commit.
        """
        if not self._ends:
            return
        ends, self._ends = self._ends, []
        try:
            await self._in_db_write(db_api.console_session_finish, ends)
        except Exception:
            LOG.exception('Cannot record the end of %d console sessions',
                          len(ends))

    async def _run(self, websocket, session, record=True):
        try:
            link = await self._open_guest(websocket, session, record)
        except (OSError, _TunnelError, asyncio.TimeoutError) as exc:
            LOG.warning('Cannot reach the console of instance %(instance)s '
                        '(token %(token)s) at %(host)s:%(port)s: %(error)s',
                        dict(session.log_args, host=session.target[0],
                             port=session.target[1],
                             error=str(exc) or type(exc).__name__))
            if record:
                session.close_reason = UNREACHABLE_REASON
            await websocket.close(frames.CloseCode.INTERNAL_ERROR,
                                  UNREACHABLE_REASON)
            return
        if record:
            LOG.debug('Console session %(session)s opened for instance '
                      '%(instance)s (token %(token)s)', session.log_args)
        try:
            await self._relay(websocket, session, link, record)
        finally:
            link.close()

    async def _run_channel(self, websocket, session):
        session.channels.add(websocket)
        try:
            await self._run(websocket, session, record=False)
        finally:
            session.channels.discard(websocket)

    async def _relay(self, websocket, session, link, record=True):
        """Copy bytes both ways until one side closes or the session ends.

        Guest to client runs in :class:`_GuestLink`'s callbacks; this
        task copies client to guest and waits for the end.
        """
        # A serial terminal may type text frames; VNC and SPICE are binary.
        text_ok = session.kind == 'serial'
        websocket.consolehub_connected(link)
        try:
            async for message in websocket:
                if isinstance(message, str):
                    if not text_ok:
                        if record:
                            session.close_reason = 'binary frames only'
                        await websocket.close(
                            frames.CloseCode.UNSUPPORTED_DATA,
                            'binary frames only')
                        break
                    message = message.encode('utf-8')
                session.to_guest += len(message)
                session.last_activity = time.monotonic()
                await link.write(message)
        except (OSError, ws_exceptions.ConnectionClosed):
            pass
        if record and session.close_reason is None:
            session.close_reason = (REASON_GUEST_CLOSED if link.closed
                                    else REASON_CLIENT_CLOSED)
        if websocket.state is ws_protocol.State.OPEN:
            await websocket.close(frames.CloseCode.NORMAL_CLOSURE,
                                  session.close_reason or
                                  REASON_GUEST_CLOSED)

    # -- watchdog -----------------------------------------------------------

    async def _watchdog(self):
        """End sessions that expired, idled or were asked to end."""
        next_check = time.monotonic()
        while True:
            await asyncio.sleep(min(SWEEP_INTERVAL,
                                    CONF.console.session_check_interval))
            try:
                self._sweep()
                await self._flush_ends()
                if time.monotonic() >= next_check and self.sessions:
                    next_check = (time.monotonic() +
                                  CONF.console.session_check_interval)
                    await self._poll_database()
            except Exception:
                LOG.exception('Console session check failed')

    def _sweep(self):
        now_mono = time.monotonic()
        now = time.time()
        idle_timeout = CONF.console.idle_timeout
        outlives = CONF.console.session_outlives_token
        for session in list(self.sessions.values()):
            if session.close_reason is not None:
                continue
            if not outlives and now >= session.expires:
                self._end(session, REASON_TOKEN_EXPIRED)
            elif (idle_timeout and
                    now_mono - session.last_activity >= idle_timeout):
                self._end(session, REASON_IDLE)

    async def _poll_database(self):
        ends = await self._in_db_thread(
            db_api.console_session_ends_requested,
            consolehub_context.get_admin_context(), list(self.sessions))
        for uuid, reason in ends.items():
            session = self.sessions.get(uuid)
            if session is not None and session.close_reason is None:
                self._end(session, reason)

    def _end(self, session, reason):
        LOG.info('Ending console session %(session)s of instance '
                 '%(instance)s: %(reason)s',
                 dict(session.log_args, reason=reason))
        session.end(reason)


def run_in_thread():
    """Start a :class:`ConsoleProxy` on its own event loop in a daemon thread.

    Returns once the proxy listens. Stop it with ``stop()`` (then
    ``join()`` to wait for it).

    :returns: the running :class:`ConsoleProxy`.
    :raises OSError: if the proxy cannot bind its address.
    """
    proxy = ConsoleProxy()
    started = threading.Event()
    errors = []

    def run():
        try:
            asyncio.run(proxy.serve_forever(started))
        except Exception as exc:
            errors.append(exc)
            LOG.exception('noVNC proxy failed')
        finally:
            started.set()

    threading.Thread(target=run, name='consolehub-novncproxy',
                     daemon=True).start()
    started.wait()
    if errors:
        raise errors[0]
    return proxy


def raise_file_limit():
    """Raise this process's open-file limit to its hard limit.

    Each console session holds two sockets; the usual soft limit of 1024
    would cap the proxy near 500 sessions.

    :returns: the soft limit now in force.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def reload_config():
    """SIGHUP: re-read the config files; mutable options take effect."""
    LOG.info('SIGHUP: reloading the configuration files')
    try:
        CONF.mutate_config_files()
    except Exception:
        LOG.exception('Cannot reload the configuration')


def main_loop():
    """Run a :class:`ConsoleProxy` in this thread until SIGTERM or SIGINT.

    SIGTERM and SIGINT close every session with code 1001 and record its
    end before returning; SIGHUP reloads the mutable options. The caller
    parses the configuration and sets up logging first.

    :raises OSError: if the proxy cannot bind its address.
    """
    limit = raise_file_limit()
    LOG.info('Open-file limit: %d', limit)
    proxy = ConsoleProxy()

    async def run():
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, proxy.stop)
        loop.add_signal_handler(signal.SIGHUP, reload_config)
        await proxy.serve_forever()

    asyncio.run(run())
