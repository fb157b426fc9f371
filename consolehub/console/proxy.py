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

This module holds the listeners, the sessions and the service that runs
them (:class:`ConsoleProxy`, and the process-level functions that start
it); the rest lives beside it:

* :mod:`consolehub.console.http_requests`: the static files, and the
  ``Origin`` and token of a request;
* :mod:`consolehub.console.guest`: the connection to the guest's console,
  through an HTTP ``CONNECT`` when the token names a path;
* :mod:`consolehub.console.relay`: the hot path, every read of an open
  session in either direction.
"""

import asyncio
import concurrent.futures
import contextlib
import http
import logging as std_logging
import resource
import signal
import threading
import time

from oslo_log import log as logging
from websockets.asyncio import server as ws_server
from websockets import datastructures
from websockets import exceptions as ws_exceptions
from websockets import frames
from websockets import http11
from websockets import protocol as ws_protocol

from consolehub.conf import CONF
from consolehub.console import guest
from consolehub.console import http_requests
from consolehub.console import relay
from consolehub import context as consolehub_context
from consolehub import exception
from consolehub.objects import console_auth_token
from consolehub.objects import console_session as session_obj

LOG = logging.getLogger(__name__)

#: The only websocket subprotocol we speak; noVNC may offer it.
SUBPROTOCOL = 'binary'

#: Longest the watchdog sleeps between two sweeps, in seconds.
SWEEP_INTERVAL = 0.25

#: Stands for the handshake request once a session no longer needs it.
_HANDSHAKE_DONE = http11.Request('/', datastructures.Headers())


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
            CONF.serial_console.serialproxy_port, http_requests.SERIAL_WEB))
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
                session_obj.end_all_open,
                consolehub_context.get_admin_context(),
                session_obj.REASON_RESTARTED)
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
            create_connection=relay.WebsocketConnection,
            process_request=process_request,
            select_subprotocol=self._select_subprotocol,
            # VNC and SPICE data are already compressed; permessage-deflate
            # would cost far more CPU and memory than it saves.
            compression=None,
            max_size=self.max_message_size,
            # Flow control: at most this much waits in each direction.
            max_queue=4,
            write_limit=relay.WRITE_LIMIT,
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
                session.close_reason = session_obj.REASON_STOPPING
        for listener in self.listeners:
            if listener.server is not None:
                listener.server.close(code=frames.CloseCode.GOING_AWAY,
                                      reason=session_obj.REASON_STOPPING)

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
        if not http_requests.is_upgrade(request):
            return await http_requests.serve_static(listener.web_root,
                                                    request)
        origin = request.headers.get('Origin')
        if not http_requests.origin_allowed(
                origin, request.headers.get('Host'),
                CONF.console.allowed_origins):
            LOG.warning('Refused a console websocket from origin %s',
                        origin[:200])
            return connection.respond(
                http.HTTPStatus.FORBIDDEN,
                'Origin not allowed for this console proxy\n')
        raw_token = http_requests.request_token(request)
        if (not raw_token or
                len(raw_token) > console_auth_token.MAX_TOKEN_LENGTH):
            return self._unauthorized()
        client_ip = (connection.remote_address or ('',))[0]
        limit = CONF.console.max_sessions_per_instance
        # Session writes run one at a time (see _in_db_write), so the
        # session count and the insert are consistent within this process,
        # which is the only proxy of a deployment; the token's conditional
        # UPDATE is atomic across processes in any case.
        try:
            outcome, token, row = await self._in_db_write(
                session_obj.redeem, console_auth_token.hash_token(raw_token),
                listener.kind, client_ip, CONF.consoleauth.single_use, limit,
                [end[0] for end in self._ends] if limit else ())
        except exception.DatabaseUnavailable as error:
            LOG.warning('Cannot check a console token now: %s', error)
            return http_requests.response(
                http.HTTPStatus.SERVICE_UNAVAILABLE,
                b'Console proxy busy, try again\n',
                'text/plain; charset=utf-8', [('Retry-After', '1')])
        if outcome == session_obj.REDEEM_USED:
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
        if outcome == session_obj.REDEEM_LIMIT:
            LOG.warning('Refused a console session for instance '
                        '%(instance)s (token %(token)s): %(limit)d open',
                        {'instance': token['instance_uuid'],
                         'token': _hash_prefix(token), 'limit': limit})
            connection.consolehub = ('refuse', session_obj.REASON_LIMIT)
            return None
        if outcome != session_obj.REDEEM_OK:
            return self._unauthorized()
        connection.consolehub = ('session', row, token)
        return None

    @staticmethod
    def _unauthorized():
        LOG.info('Refused a console websocket: missing, unknown or expired '
                 'token')
        # A plain answer: the connection object may be gone already.
        return http_requests.response(http.HTTPStatus.UNAUTHORIZED,
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

    # -- session ------------------------------------------------------------

    async def _open_guest(self, websocket, session, record=True):
        """Connect a :class:`relay.GuestLink` to the guest's console.

        Through an HTTP CONNECT to ``internal_access_path`` when the
        token names one (as Nova does for consoles behind a relay); bytes
        the relay sends after its answer go to the client first.

        :raises OSError: if the connection fails or times out.
        :raises guest.TunnelError: if the HTTP CONNECT is refused.
        """
        loop = asyncio.get_running_loop()
        host, port, path = session.target
        sock = await asyncio.wait_for(guest.connect_socket(loop, host, port),
                                      self.connect_timeout)
        early = b''
        try:
            if path:
                early = await asyncio.wait_for(
                    guest.tunnel(loop, sock, path), self.connect_timeout)
            _transport, link = await loop.create_connection(
                lambda: relay.GuestLink(websocket, session, record, sock),
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
        self._ends.append((
            session.uuid,
            session.close_reason or session_obj.REASON_CLIENT_CLOSED,
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
            await self._in_db_write(session_obj.finish, ends)
        except Exception:
            LOG.exception('Cannot record the end of %d console sessions',
                          len(ends))

    async def _run(self, websocket, session, record=True):
        try:
            link = await self._open_guest(websocket, session, record)
        except (OSError, guest.TunnelError, asyncio.TimeoutError) as exc:
            LOG.warning('Cannot reach the console of instance %(instance)s '
                        '(token %(token)s) at %(host)s:%(port)s: %(error)s',
                        dict(session.log_args, host=session.target[0],
                             port=session.target[1],
                             error=str(exc) or type(exc).__name__))
            if record:
                session.close_reason = session_obj.REASON_UNREACHABLE
            await websocket.close(frames.CloseCode.INTERNAL_ERROR,
                                  session_obj.REASON_UNREACHABLE)
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

        Guest to client runs in :class:`relay.GuestLink`'s callbacks; this
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
                            session.close_reason = (
                                session_obj.REASON_BINARY_ONLY)
                        await websocket.close(
                            frames.CloseCode.UNSUPPORTED_DATA,
                            session_obj.REASON_BINARY_ONLY)
                        break
                    message = message.encode('utf-8')
                session.to_guest += len(message)
                session.last_activity = time.monotonic()
                await link.write(message)
        except (OSError, ws_exceptions.ConnectionClosed):
            pass
        if record and session.close_reason is None:
            session.close_reason = (
                session_obj.REASON_GUEST_CLOSED if link.closed
                else session_obj.REASON_CLIENT_CLOSED)
        if websocket.state is ws_protocol.State.OPEN:
            await websocket.close(frames.CloseCode.NORMAL_CLOSURE,
                                  session.close_reason or
                                  session_obj.REASON_GUEST_CLOSED)

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
                self._end(session, session_obj.REASON_TOKEN_EXPIRED)
            elif (idle_timeout and
                    now_mono - session.last_activity >= idle_timeout):
                self._end(session, session_obj.REASON_IDLE)

    async def _poll_database(self):
        ends = await self._in_db_thread(
            session_obj.ends_requested,
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
