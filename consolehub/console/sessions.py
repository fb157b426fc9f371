"""Console sessions in the proxy: from the upgrade to the recorded end.

Every accepted websocket opens a console session: a row in
``console_sessions`` written in the same transaction that consumes a
single-use token (:mod:`consolehub.console.handshake`). A
:class:`SessionBook` holds the proxy's open sessions: it runs each one
(connect to the guest, relay both ways), ends it, and writes the ends in
batches every :data:`SWEEP_INTERVAL` seconds. One watchdog task ends
sessions whose token expired, that were idle for ``[console]
idle_timeout``, that an administrator ended, or whose instance was
deleted (polled every ``[console] session_check_interval`` seconds).

A session row exists only for an open websocket: the handshake is
checked in full before the token is redeemed, and a row whose upgrade
fails after that (the client gone before the answer, the proxy
stopping) is ended at once (reason ``websocket handshake failed``), so
such failures never count against ``[console] max_sessions_per_instance``.
An administrator's end of a row no websocket holds is written by the
next poll.
"""

import asyncio
import contextlib
import time

from oslo_log import log as logging
from websockets import exceptions as ws_exceptions
from websockets import frames
from websockets import protocol as ws_protocol

from consolehub.conf import CONF
from consolehub.console import guest
from consolehub.console import input_guard
from consolehub.console import relay
from consolehub import context as consolehub_context
from consolehub.objects import console_session as session_obj
from consolehub.serialhub import protocol as serial_protocol

LOG = logging.getLogger(__name__)

#: Longest the watchdog sleeps between two sweeps, in seconds.
SWEEP_INTERVAL = 0.25


class NewSession(object):
    """The handshake's verdict: a new session of a redeemed token.

    :param row: the new session row (dict); ``token``: the token row;
        ``book``: the :class:`SessionBook` that will hold it;
        ``serial_role``: for a serial console, the role its guest's
        serial hub is asked for (``read``, ``write``, ``takeover``).
    """

    __slots__ = ('row', 'token', 'book', 'serial_role')

    def __init__(self, row, token, book, serial_role=None):
        self.row = row
        self.token = token
        self.book = book
        self.serial_role = serial_role
        book.pending.add(row['uuid'])

    def abandon(self, connection):
        """The upgrade failed: end the session row, never opened."""
        self.book.abandoned(self.row)


class JoinChannel(object):
    """The handshake's verdict: another channel of an open SPICE session.

    :param primary: the :class:`Session` joined; ``connection``: the
        channel's websocket, counted among the session's channels from
        now on (``[console] max_spice_channels``).
    """

    __slots__ = ('primary',)

    def __init__(self, primary, connection):
        self.primary = primary
        primary.channels.add(connection)

    def abandon(self, connection):
        self.primary.channels.discard(connection)


class Refusal(object):
    """The handshake's verdict: upgrade, then close with 1008 ``reason``."""

    __slots__ = ('reason',)

    def __init__(self, reason):
        self.reason = reason

    def abandon(self, connection):
        pass


class Session(object):
    """A live console session: one websocket, or several for SPICE.

    Counters are payload bytes; ``last_activity`` is ``time.monotonic()``
    of the last byte either way.
    """

    __slots__ = ('uuid', 'kind', 'instance_uuid', 'token_hash', 'client_ip',
                 'expires', 'target', 'websocket', 'channels', 'to_client',
                 'to_guest', 'last_activity', 'close_reason', 'view_only',
                 'preamble', 'recorder')

    def __init__(self, row, token, websocket, client_ip, serial_role=None):
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
        #: Whether only the client input that does not act on the guest
        #: goes to it (:mod:`consolehub.console.input_guard`).
        self.view_only = bool(token['view_only'])
        #: Bytes sent to the guest's side before the relay starts: a
        #: serial hub's preamble naming the session's role.
        self.preamble = (serial_protocol.preamble(serial_role)
                         if serial_role else b'')
        #: The session's :class:`consolehub.console.recorder.Recorder`,
        #: or None when it is not recorded.
        self.recorder = None

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


class SessionBook(object):
    """The proxy's open sessions, their relays and their recorded ends.

    :param calls: the proxy's :class:`consolehub.console.workers.
        BlockingCalls`.
    :param connect_timeout: seconds (int) to reach a guest's console.
    :param recordings: the :class:`consolehub.console.recorder.
        RecordingWriter` of recorded sessions, or None to record none.
    """

    def __init__(self, calls, connect_timeout, recordings=None):
        self.calls = calls
        self.connect_timeout = connect_timeout
        self.recordings = recordings
        #: ``{session uuid: Session}``.
        self.sessions = {}
        self._by_token = {}
        #: Ends not yet written: ``(uuid, reason, to client, to guest)``.
        self._ends = []
        #: UUIDs of session rows redeemed whose upgrade is under way.
        self.pending = set()

    def joinable(self, token_hash, client_ip):
        """The open session a SPICE channel of ``client_ip`` may join.

        :returns: the :class:`Session` opened with that token by that
            client address, or None.
        """
        primary = self._by_token.get(token_hash)
        if (primary is not None and primary.client_ip == client_ip
                and primary.close_reason is None):
            return primary
        return None

    def ending(self):
        """UUIDs (list) of sessions that ended, their rows not yet written."""
        return [end[0] for end in self._ends]

    def abandoned(self, row):
        """Queue the end of a session row whose upgrade failed."""
        if row['uuid'] in self.pending:
            self.pending.discard(row['uuid'])
            self.end_unopened(row, session_obj.REASON_HANDSHAKE_FAILED)

    def end_unopened(self, row, reason):
        """Queue the end of a session row (dict) that never opened."""
        self._ends.append((row['uuid'], reason, 0, 0))
        LOG.info('Console session %(session)s of instance %(instance)s '
                 'ended before it opened: %(reason)s',
                 {'session': row['uuid'], 'instance': row['instance_uuid'],
                  'reason': reason})

    def mark_stopping(self):
        """Give every open session the proxy's stopping as its reason."""
        for session in self.sessions.values():
            if session.close_reason is None:
                session.close_reason = session_obj.REASON_STOPPING

    async def end_orphans(self):
        """Mark sessions an earlier proxy left open as ended.

        One proxy serves a deployment, so an open session row nobody here
        holds belongs to a proxy that stopped without recording it.
        """
        try:
            ended = await self.calls.in_db_thread(
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

    # -- one session --------------------------------------------------------

    async def handle(self, websocket):
        """websockets' connection handler: run the handshake's verdict."""
        what = websocket.consolehub
        websocket.consolehub = None
        if what is None:
            return  # lost before it got here, and abandoned
        # The handshake's request and response (headers) are no use now;
        # held by thousands of sessions for hours they add up. websockets
        # only tests that a request was received.
        websocket.request = relay.HANDSHAKE_DONE
        websocket.response = None
        if isinstance(what, Refusal):
            await websocket.close(frames.CloseCode.POLICY_VIOLATION,
                                  what.reason)
            return
        if isinstance(what, JoinChannel):
            await self._run_channel(websocket, what.primary)
            return
        session = Session(what.row, what.token, websocket,
                          (websocket.remote_address or ('',))[0],
                          what.serial_role)
        if what.row.get('recorded') and self.recordings is not None:
            self._start_recording(session)
        self.pending.discard(session.uuid)
        del what  # the token and session rows: Session has what it needs
        self.sessions[session.uuid] = session
        self._by_token[session.token_hash] = session
        try:
            await self._run(websocket, session)
        finally:
            del self.sessions[session.uuid]
            if session.recorder is not None:
                session.recorder.close()
            if self._by_token.get(session.token_hash) is session:
                del self._by_token[session.token_hash]
            for channel in list(session.channels):
                with contextlib.suppress(Exception):
                    await channel.close(frames.CloseCode.NORMAL_CLOSURE,
                                        session.close_reason or '')
            self._record_end(session)

    def _start_recording(self, session):
        """Give ``session`` a recorder; without one it goes on unrecorded."""
        try:
            session.recorder = self.recordings.recorder(
                session.uuid, session.instance_uuid, session.kind,
                CONF.console.record_max_bytes,
                CONF.console.record_queue_bytes)
        except OSError as error:
            LOG.error('Cannot record console session %(session)s in '
                      '%(directory)s: %(error)s',
                      {'session': session.uuid, 'error': error,
                       'directory': self.recordings.directory})

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

    async def flush_ends(self):
        """Write the queued session ends in one transaction.

        Batched so that a session's end never delays the next session's
        set-up in the database thread, and a thousand sessions ending at
        once cost one commit. A batch the database refuses is kept for
        the next flush: dropped, its sessions would stay open in the
        database and count against ``max_sessions_per_instance``.
        """
        if not self._ends:
            return
        ends, self._ends = self._ends, []
        try:
            await self.calls.db_write(session_obj.finish, ends)
        except Exception:
            LOG.exception('Cannot record the end of %d console sessions; '
                          'trying again at the next check', len(ends))
            self._ends[:0] = ends

    async def _run(self, websocket, session, record=True):
        try:
            link = await guest.open_link(websocket, session, record,
                                         self.connect_timeout)
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
        link = input_guard.guard(link, session)
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

        Guest to client runs in :class:`guest.GuestLink`'s callbacks, and
        most of client to guest in :class:`relay.WebsocketConnection`'s;
        this task relays the messages websockets parsed (text, fragmented)
        and waits for the end.
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

    async def watchdog(self):
        """End sessions that expired, idled or were asked to end; write
        the queued ends. Runs until cancelled."""
        next_check = time.monotonic()
        while True:
            await asyncio.sleep(min(SWEEP_INTERVAL,
                                    CONF.console.session_check_interval))
            try:
                self._sweep()
                await self.flush_ends()
                if time.monotonic() >= next_check:
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
        """End the open sessions the database says must end.

        Those this proxy holds are closed (their ends written once
        closed); an open row it does not hold has no websocket anywhere,
        one proxy serving a deployment, so its end is written as is.
        """
        ends = await self.calls.in_db_thread(
            session_obj.ends_requested,
            consolehub_context.get_admin_context())
        for uuid, reason in ends.items():
            session = self.sessions.get(uuid)
            if session is not None:
                if session.close_reason is None:
                    self._end(session, reason)
            elif uuid not in self.pending:
                LOG.info('Ending console session %(session)s, which has no '
                         'websocket: %(reason)s',
                         {'session': uuid, 'reason': reason})
                self._ends.append((uuid, reason, 0, 0))

    def _end(self, session, reason):
        LOG.info('Ending console session %(session)s of instance '
                 '%(instance)s: %(reason)s',
                 dict(session.log_args, reason=reason))
        session.end(reason)
