"""A serial hub: one guest serial port shared by many console sessions.

QEMU's TCP serial port (libvirt ``<serial type='tcp'>``, mode ``bind``)
serves one client at a time. A :class:`SerialHub` runs on the guest's
compute host as that one client, and listens on a port of its own (on
the same console listen address the guest's port used) for the console
proxy's sessions of the guest:

* every session sees the guest's output, in the order the guest wrote
  it; one that joins late first gets the last output the hub kept (at
  most ``scrollback_bytes``, from a line start), so a terminal shows the
  last screenful rather than nothing;
* one session at a time is the writer, whose bytes go to the guest;
  the others are viewers, whose bytes are read and dropped;
* the session roles, and the notice lines telling a session its role,
  are those of :mod:`consolehub.serialhub.protocol` (a preamble line
  ``consolehub-serial/1 read|write|takeover``, sent by the proxy first);
  a take-over demotes the writer to a viewer and tells it so; when the
  writer leaves, the oldest session that asked to write becomes it;
* nothing grows without bound: a session that lags by more than
  ``client_buffer_bytes`` is closed (the guest is never slowed down for
  it), the writer's input waits while the guest's port is busy, the
  preamble is read within :data:`PREAMBLE_TIMEOUT` seconds, and at most
  ``max_sessions`` connections are held;
* when the guest's port closes (the guest stopped, or its QEMU ended),
  every session gets an ``ended`` notice and is closed, the listening
  port too, and the hub's thread ends; :meth:`SerialHub.stop` does the
  same from any thread.

The hub serves the console proxy only, like the guest's own port did:
the listen address is the compute host's console address, reached by
the proxy and not by users. One thread per hub runs a ``selectors``
loop over non-blocking sockets.
"""

import itertools
import selectors
import socket
import threading
import time

from oslo_log import log as logging

from consolehub.serialhub import connections
from consolehub.serialhub import protocol

LOG = logging.getLogger(__name__)

#: Seconds a new connection has to send its preamble.
PREAMBLE_TIMEOUT = 10
#: Bytes of the writer's input held for a busy guest port; past this
#: the writer is not read until the guest takes some.
GUEST_BUFFER_BYTES = 64 * 1024


class SerialHub(object):
    """Shares the serial port at ``guest_address`` (see the module).

    :param name: what log lines call it (e.g. the instance UUID).
    :param guest_address: ``(host, port)`` of the guest's TCP serial port.
    :param listen_host: address (str) to listen on for sessions.
    :param ports: TCP ports (iterable of int) to try to listen on, in
        order; 0 lets the kernel choose.
    :param scrollback_bytes: bytes of the guest's last output kept for
        sessions that join (0: none).
    :param max_sessions: most connections held at once; one more gets a
        ``refused`` notice and is closed.
    :param client_buffer_bytes: bytes a session may lag behind before it
        is closed.
    :param connect_timeout: seconds to reach the guest's port.
    :param on_end: optional callable, given the hub, called on the hub's
        thread once it has ended.
    """

    def __init__(self, name, guest_address, listen_host, ports,
                 scrollback_bytes=4096, max_sessions=32,
                 client_buffer_bytes=256 * 1024, connect_timeout=5,
                 on_end=None):
        self.name = name
        self.guest_address = tuple(guest_address)
        self.listen_host = listen_host
        self._ports = ports
        self.scrollback_bytes = scrollback_bytes
        self.max_sessions = max_sessions
        self.client_buffer_bytes = client_buffer_bytes
        self.connect_timeout = connect_timeout
        self._on_end = on_end
        self._scrollback = bytearray()
        self._sessions = {}
        self._writer = None
        self._numbers = itertools.count(1)
        self._to_guest = bytearray()
        self._guest = None
        self._listener = None
        self._port = None
        self._selector = None
        self._wake_r = self._wake_w = None
        self._stop_reason = None
        self._thread = None
        self._ended = threading.Event()
        #: Why the hub ended (str), once it has.
        self.end_reason = None

    # -- the outside: any thread -------------------------------------------

    @property
    def port(self):
        """The TCP port (int) sessions connect to (kept once ended)."""
        return self._port

    @property
    def alive(self):
        """Whether the hub still serves (started and not ended)."""
        return self._thread is not None and not self._ended.is_set()

    def start(self):
        """Connect to the guest's port, listen, and serve on a thread.

        :raises OSError: if the guest's port cannot be reached or no port
            of ``ports`` can be bound; nothing is left open then.
        """
        guest = socket.create_connection(self.guest_address,
                                         self.connect_timeout)
        try:
            listener = connections.bind_first_free(self.listen_host,
                                                   self._ports)
        except BaseException:
            guest.close()
            raise
        guest.setblocking(False)
        guest.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._guest, self._listener = guest, listener
        self._port = listener.getsockname()[1]
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(guest, selectors.EVENT_READ, 'guest')
        self._selector.register(listener, selectors.EVENT_READ, 'listener')
        self._selector.register(self._wake_r, selectors.EVENT_READ, 'wake')
        self._thread = threading.Thread(
            target=self._run, name='serial-hub-%s' % self.name[:8],
            daemon=True)
        self._thread.start()
        LOG.info('Serial hub of %(name)s listening on %(host)s:%(port)d '
                 'for the serial port at %(guest)s:%(guest_port)d',
                 {'name': self.name, 'host': self.listen_host,
                  'port': self.port, 'guest': self.guest_address[0],
                  'guest_port': self.guest_address[1]})

    def stop(self, reason='the serial console was stopped', timeout=5):
        """End the hub: every session gets an ``ended`` notice with
        ``reason`` and is closed. Safe from any thread (but the hub's
        own), more than once, and before :meth:`start`.

        :param timeout: seconds to wait for the hub's thread to end.
        :returns: whether it has ended.
        """
        if self._thread is None:
            return True
        if self._stop_reason is None:
            self._stop_reason = reason
        try:
            self._wake_w.send(b'x')
        except OSError:
            pass  # ended already: its end closed the socket
        return self._ended.wait(timeout)

    def wait(self, timeout=None):
        """Wait until the hub has ended; returns whether it has."""
        return self._ended.wait(timeout)

    def counts(self):
        """``{'writer': 0 or 1, 'viewers': int}`` of the open sessions
        past their preamble (a snapshot; for logs and tests)."""
        roles = [session.role for session in list(self._sessions.values())]
        return {'writer': roles.count(protocol.WRITER),
                'viewers': roles.count(protocol.VIEWER)}

    # -- the hub's thread ----------------------------------------------------

    def _run(self):
        reason = 'the guest\'s serial port closed'
        try:
            while self._stop_reason is None:
                for key, events in self._selector.select(
                        self._next_timeout()):
                    what = key.data
                    if what == 'guest':
                        if events & selectors.EVENT_READ:
                            if not self._read_guest():
                                return
                        if events & selectors.EVENT_WRITE:
                            self._flush_guest()
                    elif what == 'listener':
                        self._accept()
                    elif what == 'wake':
                        self._drain_wake()
                    else:
                        self._serve(what, events)
                self._expire_preambles()
            reason = self._stop_reason
        except Exception:
            LOG.exception('Serial hub of %s failed', self.name)
            reason = 'the serial hub failed'
        finally:
            self._end(self._stop_reason or reason)

    def _next_timeout(self):
        deadlines = [session.deadline for session in self._sessions.values()
                     if session.role is None]
        if not deadlines:
            return None
        return max(0.0, min(deadlines) - time.monotonic())

    def _drain_wake(self):
        try:
            self._wake_r.recv(64)
        except OSError:
            pass

    # Guest -> sessions.

    def _read_guest(self):
        """Fan one read of the guest out; False once the guest closed."""
        try:
            data = self._guest.recv(connections.READ_CHUNK)
        except (BlockingIOError, InterruptedError):
            return True
        except OSError as error:
            LOG.info('Serial port of %s failed: %s', self.name, error)
            return False
        if not data:
            return False
        self._keep(data)
        for session in list(self._sessions.values()):
            if session.role is not None:
                self._send(session, data)
        return True

    def _keep(self, data):
        """Add ``data`` to the scrollback, kept from a line start."""
        limit = self.scrollback_bytes
        if not limit:
            return
        scrollback = self._scrollback
        scrollback += data  # at most READ_CHUNK more, for a moment
        excess = len(scrollback) - limit
        if excess > 0:
            # Cut to the next line start, unless that loses half of it.
            newline = scrollback.find(b'\n', excess, excess + limit // 2)
            del scrollback[:newline + 1 if newline >= 0 else excess]

    def _send(self, session, data):
        """Send ``data`` to ``session``; close it if it lags too far."""
        if session.closed:
            return
        if not session.pending:
            try:
                sent = session.sock.send(data)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                self._close(session)
                return
            data = data[sent:]
            if not data:
                return
            self._watch(session)
        if len(session.pending) + len(data) > self.client_buffer_bytes:
            LOG.warning('Serial hub of %(name)s closed session %(number)d '
                        'of %(peer)s: more than %(limit)d bytes behind',
                        {'name': self.name, 'number': session.number,
                         'peer': session.peer,
                         'limit': self.client_buffer_bytes})
            self._close(session)
            return
        session.pending += data

    def _watch(self, session):
        """Select the events ``session`` waits for now."""
        events = 0
        if session.pending:
            events |= selectors.EVENT_WRITE
        # The writer is not read while the guest's port is busy.
        if not (session is self._writer and
                len(self._to_guest) >= GUEST_BUFFER_BYTES):
            events |= selectors.EVENT_READ
        if events == session.events:
            return
        if not events:
            self._selector.unregister(session.sock)
        elif session.events:
            self._selector.modify(session.sock, events, session)
        else:
            self._selector.register(session.sock, events, session)
        session.events = events

    # Sessions -> hub.

    def _accept(self):
        try:
            sock, peer = self._listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError as error:
            LOG.warning('Serial hub of %s cannot accept: %s', self.name,
                        error)
            return
        sock.setblocking(False)
        if len(self._sessions) >= self.max_sessions:
            LOG.warning('Serial hub of %(name)s refused a session: '
                        '%(count)d open', {'name': self.name,
                                           'count': len(self._sessions)})
            connections.farewell(sock, protocol.notice(
                protocol.REFUSED, 'too many sessions on this serial console'))
            return
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        session = connections.Session(sock, next(self._numbers), peer[0],
                                      time.monotonic() + PREAMBLE_TIMEOUT)
        self._sessions[sock] = session
        self._watch(session)

    def _serve(self, session, events):
        if events & selectors.EVENT_WRITE and not session.closed:
            self._flush(session)
        if events & selectors.EVENT_READ and not session.closed:
            self._read_session(session)

    def _flush(self, session):
        try:
            sent = session.sock.send(session.pending)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(session)
            return
        del session.pending[:sent]
        if not session.pending:
            self._watch(session)

    def _read_session(self, session):
        try:
            data = session.sock.recv(connections.READ_CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b''
        if not data:
            self._close(session)
            return
        if session.role is None:
            self._read_preamble(session, data)
        elif session is self._writer:
            self._to_guest += data
            self._flush_guest()
        # A viewer's input is dropped.

    def _read_preamble(self, session, data):
        session.preamble += data
        line, newline, rest = bytes(session.preamble).partition(b'\n')
        if not newline:
            if len(session.preamble) >= protocol.MAX_PREAMBLE:
                self._refuse(session, 'the preamble is too long')
            return
        try:
            if len(line) >= protocol.MAX_PREAMBLE:
                raise protocol.BadPreamble('the preamble is too long')
            role = protocol.parse_preamble(line + newline)
        except protocol.BadPreamble as error:
            self._refuse(session, str(error))
            return
        session.preamble = b''
        self._join(session, role)
        if rest and session is self._writer:
            self._to_guest += rest
            self._flush_guest()

    def _join(self, session, role):
        """Give ``session`` the scrollback, then its role and notice."""
        session.may_write = role != protocol.READ
        if self._scrollback:
            self._send(session, bytes(self._scrollback))
        if role == protocol.TAKEOVER and self._writer is not None:
            old = self._writer
            self._writer = None
            old.role = protocol.VIEWER
            self._send(old, protocol.notice(
                protocol.VIEWER, 'session %d took over; you are a viewer '
                'now and your keys are dropped' % session.number))
            if not old.closed:
                self._watch(old)
            LOG.info('Serial hub of %(name)s: session %(new)d took over '
                     'from session %(old)d',
                     {'name': self.name, 'new': session.number,
                      'old': old.number})
        if session.may_write and self._writer is None:
            self._make_writer(session, 'you are the writer; your keys go '
                                       'to the guest')
        else:
            session.role = protocol.VIEWER
            self._send(session, protocol.notice(
                protocol.VIEWER,
                'view only' if role == protocol.READ else
                'session %d is the writer; you are a viewer'
                % self._writer.number))
        LOG.debug('Serial hub of %(name)s: session %(number)d of %(peer)s '
                  'joined as %(role)s', {'name': self.name,
                                         'number': session.number,
                                         'peer': session.peer,
                                         'role': session.role})

    def _make_writer(self, session, words):
        self._writer = session
        session.role = protocol.WRITER
        self._send(session, protocol.notice(protocol.WRITER, words))
        if not session.closed:
            self._watch(session)

    def _refuse(self, session, reason):
        LOG.warning('Serial hub of %(name)s refused a session of %(peer)s: '
                    '%(reason)s', {'name': self.name, 'peer': session.peer,
                                   'reason': reason})
        self._send(session, protocol.notice(protocol.REFUSED, reason))
        self._close(session)

    def _expire_preambles(self):
        now = time.monotonic()
        for session in list(self._sessions.values()):
            if session.role is None and now >= session.deadline:
                self._refuse(session, 'no preamble within %d s'
                             % PREAMBLE_TIMEOUT)

    # Writer -> guest.

    def _flush_guest(self):
        if self._to_guest:
            try:
                sent = self._guest.send(self._to_guest)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                sent = 0  # the read side sees the error and ends the hub
            del self._to_guest[:sent]
        self._selector.modify(
            self._guest, selectors.EVENT_READ | (
                selectors.EVENT_WRITE if self._to_guest else 0), 'guest')
        writer = self._writer
        if writer is not None and not writer.closed:
            self._watch(writer)

    # Ends.

    def _close(self, session):
        """Close one session; its last pending bytes are tried once."""
        if session.closed:
            return
        session.closed = True
        self._sessions.pop(session.sock, None)
        if session.events:
            self._selector.unregister(session.sock)
            session.events = 0
        connections.farewell(session.sock, session.pending)
        if session is self._writer:
            # What it typed before it left still goes to the guest.
            self._writer = None
            self._promote()

    def _promote(self):
        """Make the oldest session that asked to write the writer."""
        waiting = [session for session in self._sessions.values()
                   if session.role == protocol.VIEWER and session.may_write]
        if waiting:
            chosen = min(waiting, key=lambda session: session.number)
            self._make_writer(chosen, 'the writer left; you are the writer '
                                      'now and your keys go to the guest')

    def _end(self, reason):
        """Tell every session why, close everything, mark the hub ended."""
        self.end_reason = reason
        LOG.info('Serial hub of %(name)s ends (%(sessions)d sessions): '
                 '%(reason)s', {'name': self.name, 'reason': reason,
                                'sessions': len(self._sessions)})
        words = protocol.notice(protocol.ENDED, reason)
        sessions = list(self._sessions.values())
        self._sessions.clear()
        self._writer = None
        for session in sessions:
            session.closed = True
            connections.farewell(session.sock, bytes(session.pending) + words)
        for sock in (self._listener, self._guest, self._wake_r,
                     self._wake_w):
            try:
                sock.close()
            except OSError:
                pass
        self._selector.close()
        self._ended.set()
        if self._on_end is not None:
            try:
                self._on_end(self)
            except Exception:
                LOG.exception('Serial hub of %s: end callback failed',
                              self.name)
