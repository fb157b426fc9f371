"""The console proxy service: websocket-to-guest relays for every console.

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
(RFC 6455) carrying a console token is checked before the upgrade and,
once accepted, relayed byte for byte to the guest's console named by the
token. Raw tokens are never logged; log lines and session rows name the
instance and the first 8 hex digits of the token's hash.

This module holds the listeners and the service that runs them
(:class:`ConsoleProxy`, and the process-level functions that start it:
:func:`run_in_thread`, :func:`main_loop`); the rest lives beside it:

* :mod:`consolehub.console.handshake`: the ``Origin`` and token checks
  before the upgrade, and the refusals;
* :mod:`consolehub.console.sessions`: the open sessions, the watchdog
  that ends them and the batched writes of their ends;
* :mod:`consolehub.console.static`: the static files;
* :mod:`consolehub.console.guest`: the connection to the guest's console,
  and its side of the hot path;
* :mod:`consolehub.console.relay`: the client's side of the hot path;
* :mod:`consolehub.console.recorder`: recorded sessions' files, their
  writer thread (stopped with the proxy) and their hourly purge
  (:meth:`ConsoleProxy._purge_recordings`); their format is
  :mod:`consolehub.console.recording_format`'s;
* :mod:`consolehub.console.workers`: the database (and RPC) threads.
"""

import asyncio
import contextlib
import logging as std_logging
import resource
import signal
import threading

from oslo_log import log as logging
from websockets.asyncio import server as ws_server
from websockets import frames

from consolehub.conf import CONF
from consolehub.console import handshake
from consolehub.console import recorder
from consolehub.console import relay
from consolehub.console import sessions
from consolehub.console import static
from consolehub.console import workers
from consolehub import tls
from consolehub.objects import console_session as session_obj

LOG = logging.getLogger(__name__)

#: Seconds between two purges of old console recordings.
RECORDING_PURGE_INTERVAL = 3600

#: The only websocket subprotocol we speak; noVNC may offer it.
SUBPROTOCOL = 'binary'


class _QuietLogger(std_logging.LoggerAdapter):
    """websockets' logger without DEBUG and INFO.

    At DEBUG websockets echoes every request line and header, i.e. the
    ``?token=`` query and the ``Cookie`` header: the raw console token.
    """

    def isEnabledFor(self, level):
        # Its INFO lines (one per connection opened and closed) say less
        # than our one line per session and cost as much to format.
        return level > std_logging.INFO and super().isEnabledFor(level)


class Listener(object):
    """One listening socket of the proxy and the consoles it serves.

    :param kind: ``novnc``, ``spice-html5`` or ``serial``: the
        ``console_type`` of the tokens it accepts.
    :param host: address (str) to bind; ``port``: TCP port (int, 0 for
        any); ``web_root``: directory of its static files.
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
            CONF.serial_console.serialproxy_port, static.SERIAL_WEB))
    return listeners


def _select_subprotocol(connection, subprotocols):
    return SUBPROTOCOL if SUBPROTOCOL in subprotocols else None


class ConsoleProxy(object):
    """The console proxy, reading its settings from ``CONF``.

    Listens as :func:`default_listeners` says unless given ``listeners``.
    ``port_checker`` asks compute agents whether a token's port is still
    its guest's console (see :class:`consolehub.console.handshake.Gate`);
    the commands always give one, tests may not.
    Options marked mutable (``[console] idle_timeout``,
    ``max_sessions_per_instance``, ``session_outlives_token``,
    ``session_check_interval``, ``allowed_origins``; ``[consoleauth]
    single_use``) are read when used, so a SIGHUP that reloads the config
    files changes them for new and open sessions alike. Run it with
    :meth:`serve_forever`, or use :func:`run_in_thread` / :func:`main_loop`.
    """

    def __init__(self, listeners=None, port_checker=None):
        self.listeners = listeners or default_listeners()
        # Built here so that a bad certificate stops the start.
        self.ssl_context = tls.server_context()
        self.max_message_size = CONF.console.max_message_size
        self.calls = workers.BlockingCalls()
        self.recordings = recorder.RecordingWriter(
            CONF.console.record_directory)
        self.book = sessions.SessionBook(self.calls,
                                         CONF.console.connect_timeout,
                                         self.recordings)
        self.gate = handshake.Gate(self.book, self.calls, port_checker)
        self._lock = threading.Lock()
        self._loop = None
        self._stop_requested = False
        self._finished = threading.Event()

    @property
    def sessions(self):
        """``{session uuid: Session}`` of the open sessions."""
        return self.book.sessions

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
        self.calls.start()
        watchdog = purger = None
        try:
            for listener in self.listeners:
                listener.server = await self._serve(listener)
                LOG.info('Console proxy for %(kind)s listening on '
                         '%(host)s:%(port)s, serving %(web)s',
                         {'kind': listener.kind, 'host': listener.host,
                          'port': listener.bound_port,
                          'web': listener.web_root})
            await self.book.end_orphans()
            with self._lock:
                self._loop = loop
                stop_now = self._stop_requested
            watchdog = asyncio.create_task(self.book.watchdog())
            purger = asyncio.create_task(self._purge_recordings())
            if started is not None:
                started.set()
            if stop_now:
                self._close_servers()
            for listener in self.listeners:
                await listener.server.wait_closed()
            await self.book.flush_ends()
            LOG.info('Console proxy stopped')
        finally:
            for task in (watchdog, purger):
                if task is not None:
                    task.cancel()
            for listener in self.listeners:
                if listener.server is not None:
                    listener.server.close()
            with self._lock:
                self._loop = None
            self.calls.shutdown()
            await asyncio.to_thread(self.recordings.stop)
            self._finished.set()

    async def _purge_recordings(self):
        """Delete recordings older than ``[console] record_retention``,
        now and every :data:`RECORDING_PURGE_INTERVAL` seconds."""
        while True:
            try:
                count = await asyncio.to_thread(
                    recorder.purge, CONF.console.record_directory,
                    CONF.console.record_retention)
                if count:
                    LOG.info('Deleted %d console recordings older than '
                             '%d seconds', count,
                             CONF.console.record_retention)
            except OSError as error:
                LOG.error('Cannot purge the console recordings: %s', error)
            await asyncio.sleep(RECORDING_PURGE_INTERVAL)

    def _serve(self, listener):
        async def process_request(connection, request):
            return await self.gate.process_request(listener, connection,
                                                   request)

        return ws_server.serve(
            self.book.handle, listener.host, listener.port,
            create_connection=relay.WebsocketConnection,
            process_request=process_request,
            select_subprotocol=_select_subprotocol,
            # VNC and SPICE data are already compressed; permessage-deflate
            # would cost far more CPU and memory than it saves.
            compression=None,
            max_size=self.max_message_size,
            # Flow control: at most this much waits in each direction.
            max_queue=4,
            write_limit=relay.WRITE_LIMIT,
            # [DEFAULT] ssl_only: https:// pages and wss:// websockets.
            ssl=self.ssl_context,
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
        self.book.mark_stopping()
        for listener in self.listeners:
            if listener.server is not None:
                listener.server.close(code=frames.CloseCode.GOING_AWAY,
                                      reason=session_obj.REASON_STOPPING)


def run_in_thread(port_checker=None):
    """Start a :class:`ConsoleProxy` on its own event loop in a daemon thread.

    Returns once the proxy listens. Stop it with ``stop()`` (then
    ``join()`` to wait for it).

    :param port_checker: as for :class:`ConsoleProxy`.

    :returns: the running :class:`ConsoleProxy`.
    :raises OSError: if the proxy cannot bind its address.
    """
    proxy = ConsoleProxy(port_checker=port_checker)
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


def main_loop(port_checker=None):
    """Run a :class:`ConsoleProxy` in this thread until SIGTERM or SIGINT.

    SIGTERM and SIGINT close every session with code 1001 and record its
    end before returning; SIGHUP reloads the mutable options. The caller
    parses the configuration and sets up logging first.

    :param port_checker: as for :class:`ConsoleProxy`.
    :raises OSError: if the proxy cannot bind its address.
    """
    limit = raise_file_limit()
    LOG.info('Open-file limit: %d', limit)
    proxy = ConsoleProxy(port_checker=port_checker)

    async def run():
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, proxy.stop)
        loop.add_signal_handler(signal.SIGHUP, reload_config)
        await proxy.serve_forever()

    asyncio.run(run())
