"""The noVNC console proxy: static noVNC pages plus a websocket-to-VNC relay.

One asyncio server on ``[vnc] novncproxy_host``:``novncproxy_port`` answers
two kinds of request, as Nova's ``nova-novncproxy`` does:

* a plain HTTP ``GET``/``HEAD`` gets a file of the noVNC web client from
  ``[vnc] novnc_web``;
* a websocket upgrade (RFC 6455) carrying a console token, as
  ``?token=<token>`` or a ``token`` cookie, is checked (``Origin``, then
  token) before the upgrade and, once accepted, relayed byte for byte to
  the guest's VNC server named by the token.

Refusals are HTTP answers sent instead of the upgrade: 401 for a missing,
unknown or expired token, 403 for a foreign ``Origin``. Raw tokens are
never logged; log lines name the instance and the first characters of the
token's hash.
"""

import asyncio
import contextlib
import email.utils
import http
import http.cookies
import logging as std_logging
import mimetypes
import os
import signal
import threading
import urllib.parse

from oslo_log import log as logging
from websockets.asyncio import server as ws_server
from websockets import datastructures
from websockets import exceptions as ws_exceptions
from websockets import frames
from websockets import http11
from websockets import protocol as ws_protocol

from consolehub.conf import CONF
from consolehub.console import tokens
from consolehub import context as consolehub_context
from consolehub import exception

LOG = logging.getLogger(__name__)

#: Bytes read from the guest per websocket message. Large reads keep the
#: number of frames (and their per-frame cost) low on screen updates.
READ_CHUNK = 64 * 1024

#: Bytes of the guest's answer to an HTTP CONNECT we are willing to buffer.
MAX_CONNECT_RESPONSE = 8 * 1024

#: The only websocket subprotocol we speak; noVNC may offer it.
SUBPROTOCOL = 'binary'

#: Websocket close reason sent when the guest cannot be reached.
UNREACHABLE_REASON = 'cannot reach console'

_DEFAULT_PORTS = {'http': 80, 'https': 443}


class _TunnelError(Exception):
    """The guest's host refused our HTTP CONNECT."""


class _QuietLogger(std_logging.LoggerAdapter):
    """websockets' logger without DEBUG.

    At DEBUG websockets echoes every request line and header, i.e. the
    ``?token=`` query and the ``Cookie`` header: the raw console token.
    """

    def isEnabledFor(self, level):
        return level > std_logging.DEBUG and super().isEnabledFor(level)


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


def _validate_token(raw_token):
    """Blocking: the token row, or None if the token does not redeem."""
    try:
        return tokens.validate(consolehub_context.get_admin_context(),
                               raw_token)
    except exception.InvalidToken:
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


class ConsoleProxy(object):
    """A noVNC websocket proxy reading its settings from ``CONF``.

    Reads ``[vnc] novncproxy_host``, ``novncproxy_port``, ``novnc_web`` and
    ``[console] allowed_origins``, ``max_message_size`` (bytes),
    ``connect_timeout`` (seconds) when constructed. Run it with
    :meth:`serve_forever`, or use :func:`run_in_thread` /
    :func:`main_loop`.
    """

    def __init__(self):
        self.host = CONF.vnc.novncproxy_host
        self.port = CONF.vnc.novncproxy_port
        self.web_root = CONF.vnc.novnc_web
        self.allowed_origins = list(CONF.console.allowed_origins)
        self.max_message_size = CONF.console.max_message_size
        self.connect_timeout = CONF.console.connect_timeout
        self._lock = threading.Lock()
        self._loop = None
        self._server = None
        self._stop_requested = False
        self._finished = threading.Event()

    @property
    def bound_port(self):
        """The TCP port actually listened on (int), or None if not bound.

        Differs from ``[vnc] novncproxy_port`` when that is 0.
        """
        server = self._server
        if server is None or not server.sockets:
            return None
        return server.sockets[0].getsockname()[1]

    async def serve_forever(self, started=None):
        """Listen and serve until :meth:`stop` is called.

        :param started: optional ``asyncio.Event`` or ``threading.Event``,
            set once the socket listens (``bound_port`` is then known).
        :raises OSError: if the address cannot be bound.
        """
        loop = asyncio.get_running_loop()
        try:
            server = await ws_server.serve(
                self._handle_session, self.host, self.port,
                process_request=self._process_request,
                select_subprotocol=self._select_subprotocol,
                # VNC encodings are already compressed; permessage-deflate
                # would cost far more CPU than it saves.
                compression=None,
                max_size=self.max_message_size,
                logger=_QuietLogger(
                    std_logging.getLogger('websockets.server')))
            self._server = server
            with self._lock:
                self._loop = loop
                stop_now = self._stop_requested
            LOG.info('noVNC proxy listening on %(host)s:%(port)s, serving '
                     '%(web)s', {'host': self.host, 'port': self.bound_port,
                                 'web': self.web_root})
            if started is not None:
                started.set()
            if stop_now:
                self._close_server()
            await server.wait_closed()
            LOG.info('noVNC proxy stopped')
        finally:
            with self._lock:
                self._loop = None
            self._finished.set()

    def stop(self):
        """Stop serving; safe to call from any thread, and more than once.

        Stops accepting connections, closes every open console session
        with websocket close code 1001 (going away) and makes
        :meth:`serve_forever` return. Does not wait: see :meth:`join`.
        """
        with self._lock:
            self._stop_requested = True
            loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # loop already closed
                loop.call_soon_threadsafe(self._close_server)

    def join(self, timeout=None):
        """Wait until :meth:`serve_forever` has returned.

        :param timeout: seconds (float) or None to wait without limit.
        :returns: True if it has returned, False on timeout.
        """
        return self._finished.wait(timeout)

    def _close_server(self):
        if self._server is not None:
            self._server.close(code=frames.CloseCode.GOING_AWAY,
                               reason='console proxy stopping')

    # -- handshake ----------------------------------------------------------

    def _select_subprotocol(self, connection, subprotocols):
        return SUBPROTOCOL if SUBPROTOCOL in subprotocols else None

    async def _process_request(self, connection, request):
        """Serve static files; check token and origin before upgrading."""
        if not _is_upgrade(request):
            return await self._serve_static(request)
        origin = request.headers.get('Origin')
        if not origin_allowed(origin, request.headers.get('Host'),
                              self.allowed_origins):
            LOG.warning('Refused a console websocket from origin %s',
                        origin[:200])
            return connection.respond(
                http.HTTPStatus.FORBIDDEN,
                'Origin not allowed for this console proxy\n')
        raw_token = _request_token(request)
        row = None
        if raw_token:
            row = await asyncio.to_thread(_validate_token, raw_token)
        if row is None:
            LOG.info('Refused a console websocket: missing, unknown or '
                     'expired token')
            return connection.respond(http.HTTPStatus.UNAUTHORIZED,
                                      'Invalid or expired console token\n')
        # Handed to _handle_session, which runs once the upgrade is sent.
        connection.consolehub_target = row
        return None

    async def _serve_static(self, request):
        if request.method not in ('GET', 'HEAD'):
            return _response(http.HTTPStatus.METHOD_NOT_ALLOWED,
                             b'Method not allowed\n',
                             'text/plain; charset=utf-8',
                             [('Allow', 'GET, HEAD')])
        found = await asyncio.to_thread(_read_static, self.web_root,
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

    async def _open_guest(self, row):
        """TCP streams to the guest's console, through CONNECT if needed.

        :raises OSError: if the connection fails or times out.
        :raises _TunnelError: if the HTTP CONNECT is refused.
        """
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(row['host'], row['port']),
            self.connect_timeout)
        path = row['internal_access_path']
        if not path:
            return reader, writer
        try:
            # As Nova: tunnel through an HTTP proxy in front of the guest.
            if any(char in path for char in ' \r\n'):
                raise _TunnelError('bad internal access path')
            writer.write(b'CONNECT %s HTTP/1.1\r\n\r\n'
                         % path.encode('utf-8'))
            head = await asyncio.wait_for(
                reader.readuntil(b'\r\n\r\n'), self.connect_timeout)
            if len(head) > MAX_CONNECT_RESPONSE:
                raise _TunnelError('CONNECT answer too long')
            status = head.split(b'\r\n', 1)[0].split()
            if len(status) < 2 or status[1] != b'200':
                raise _TunnelError('CONNECT refused')
        except (_TunnelError, OSError, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError):
            writer.close()
            raise _TunnelError('CONNECT to the console failed')
        # Bytes after the header stay buffered in reader for the relay.
        return reader, writer

    async def _handle_session(self, websocket):
        row = websocket.consolehub_target
        log_args = {'instance': row['instance_uuid'],
                    'token': _hash_prefix(row)}
        try:
            reader, writer = await self._open_guest(row)
        except (OSError, _TunnelError) as exc:
            LOG.warning('Cannot reach the console of instance %(instance)s '
                        '(token %(token)s) at %(host)s:%(port)s: %(error)s',
                        dict(log_args, host=row['host'], port=row['port'],
                             error=str(exc) or type(exc).__name__))
            await websocket.close(frames.CloseCode.INTERNAL_ERROR,
                                  UNREACHABLE_REASON)
            return
        LOG.info('Console session opened for instance %(instance)s '
                 '(token %(token)s)', log_args)
        try:
            await self._relay(websocket, reader, writer)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            LOG.info('Console session closed for instance %(instance)s '
                     '(token %(token)s)', log_args)

    async def _relay(self, websocket, reader, writer):
        """Copy bytes both ways until one side closes."""

        async def guest_to_client():
            while True:
                data = await reader.read(READ_CHUNK)
                if not data:
                    return
                await websocket.send(data)

        async def client_to_guest():
            async for message in websocket:
                if isinstance(message, str):
                    await websocket.close(frames.CloseCode.UNSUPPORTED_DATA,
                                          'binary frames only')
                    return
                writer.write(message)
                await writer.drain()

        tasks = [asyncio.create_task(guest_to_client()),
                 asyncio.create_task(client_to_guest())]
        try:
            done, pending = await asyncio.wait(
                tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
        for result in results:
            # Either side going away mid-copy is the normal end of a session.
            if isinstance(result, Exception) and not isinstance(
                    result, (OSError, ws_exceptions.ConnectionClosed)):
                LOG.error('Console relay failed: %s', result)
        if websocket.state is ws_protocol.State.OPEN:
            await websocket.close(frames.CloseCode.NORMAL_CLOSURE,
                                  'console closed')


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


def main_loop():
    """Run a :class:`ConsoleProxy` in this thread until SIGTERM or SIGINT.

    The caller parses the configuration and sets up logging first.

    :raises OSError: if the proxy cannot bind its address.
    """
    proxy = ConsoleProxy()

    async def run():
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, proxy.stop)
        await proxy.serve_forever()

    asyncio.run(run())
