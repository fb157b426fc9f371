"""What a console session's client may send its guest.

The relay (:mod:`consolehub.console.relay`) writes a client's bytes to
the session's :class:`~consolehub.console.guest.GuestLink`. :func:`guard`
puts a :class:`GuardedLink` in front of it when a session's input needs
looking at:

* every VNC session, for its RFB handshake only: ClientInit's shared
  flag is forced to 1 (:mod:`consolehub.console.rfb_filter`), so no
  client makes the guest's VNC server drop the others. Past ClientInit a
  full session's guard steps aside and the relay writes to the guest
  link itself again: the hot path of a full session is the relay's own;
* a view-only VNC session: every message is parsed, and only those that
  do not act on the guest go on (SetPixelFormat, SetEncodings,
  FramebufferUpdateRequest); a message the parser cannot follow ends the
  session (close code 1008);
* a view-only serial session: nothing goes to the guest;
* a view-only SPICE session: only its main and display channels open;
  any other channel (inputs, cursor, audio, USB, smartcard...) is closed
  with code 1008 after its link message (the SPICE protocol's
  ``SpiceLinkMess``, spice-protocol ``spice/protocol.h``).

Everything the guest sends reaches the client unchanged in all cases.
"""

import asyncio
import struct

from oslo_log import log as logging
from websockets import frames
from websockets import protocol as ws_protocol

from consolehub.console import rfb_filter
from consolehub.objects import console_session as session_obj

LOG = logging.getLogger(__name__)

#: SPICE: the link header (``REDQ``, major, minor, size; 16 bytes) and
#: the start of ``SpiceLinkMess`` (connection id u32, channel type u8),
#: little-endian.
SPICE_MAGIC = b'REDQ'
_SPICE_LINK = struct.Struct('<4sIIIIB')
#: SPICE channel types a view-only session may open: main and display.
SPICE_MAIN = 1
SPICE_DISPLAY = 2
SPICE_VIEW_ONLY_CHANNELS = frozenset((SPICE_MAIN, SPICE_DISPLAY))


class _DropAll(object):
    """A view-only serial terminal: none of its keystrokes go on."""

    passing = False

    def feed(self, data):
        return b''


class _SpiceChannel(object):
    """One SPICE channel's websocket: its link message decides.

    :raises rfb_filter.ProtocolError: from :meth:`feed`, for a link
        message that is not SPICE's or opens a channel other than main
        or display.
    """

    passing = False

    def __init__(self):
        self._head = b''

    def feed(self, data):
        if self.passing:
            return bytes(data)
        self._head += bytes(data)
        if len(self._head) < _SPICE_LINK.size:
            return b''
        magic, _major, _minor, _size, _connection, channel = (
            _SPICE_LINK.unpack_from(self._head))
        if magic != SPICE_MAGIC:
            raise rfb_filter.ProtocolError('not a SPICE link message')
        if channel not in SPICE_VIEW_ONLY_CHANNELS:
            raise ChannelRefused('SPICE channel type %d' % channel)
        self.passing = True
        head, self._head = self._head, b''
        return head


class ChannelRefused(rfb_filter.ProtocolError):
    """A view-only SPICE session asked for a channel it may not have."""


def guard(link, session):
    """The link the relay should write the client's bytes to.

    :param link: the session websocket's
        :class:`~consolehub.console.guest.GuestLink`; ``session``: its
        :class:`~consolehub.console.sessions.Session` (``kind``,
        ``view_only``).
    :returns: ``link`` itself when nothing needs filtering (a full
        serial or SPICE session), else a :class:`GuardedLink`.
    """
    if session.kind == 'novnc':
        stream = rfb_filter.ClientStream(session.view_only)
    elif not session.view_only:
        return link
    elif session.kind == 'serial':
        stream = _DropAll()
    else:
        stream = _SpiceChannel()
    return GuardedLink(link, stream)


class GuardedLink(object):
    """A :class:`~consolehub.console.guest.GuestLink` whose client input
    goes through ``stream`` (a :class:`~consolehub.console.rfb_filter.
    ClientStream` or alike: ``feed(bytes) -> bytes``, ``passing``).

    Everything but the two write methods is the link's own. Once
    ``stream`` passes everything, the websocket's fast path is given the
    link itself back.
    """

    def __init__(self, link, stream):
        self._link = link
        self._stream = stream
        self._refused = False

    def __getattr__(self, name):
        return getattr(self._link, name)

    @property
    def on_writable(self):
        return self._link.on_writable

    @on_writable.setter
    def on_writable(self, callback):
        self._link.on_writable = callback

    def _filter(self, data):
        """What of ``data`` goes to the guest (bytes, maybe empty)."""
        if self._refused:
            return b''
        try:
            data = self._stream.feed(data)
        except rfb_filter.ProtocolError as error:
            self._refuse(error)
            return b''
        if self._stream.passing:
            websocket = self._link.websocket
            if websocket.consolehub_link is self:
                websocket.consolehub_link = self._link
        return data

    def _refuse(self, error):
        """Close what a view-only client may not have: the session, or
        for a SPICE channel only that channel's websocket."""
        self._refused = True
        link = self._link
        session = link.session
        LOG.warning('Closing a view-only console %(what)s of instance '
                    '%(instance)s (session %(session)s): %(error)s',
                    {'what': 'channel' if isinstance(error, ChannelRefused)
                     else 'session', 'instance': session.instance_uuid,
                     'session': session.uuid, 'error': error})
        if not isinstance(error, ChannelRefused):
            session.end(session_obj.REASON_VIEW_ONLY_PROTOCOL,
                        frames.CloseCode.POLICY_VIOLATION)
            return
        websocket = link.websocket
        if (websocket is session.websocket and
                session.close_reason is None):
            session.close_reason = session_obj.REASON_VIEW_ONLY_CHANNEL
        if websocket.state is ws_protocol.State.OPEN:
            asyncio.ensure_future(websocket.close(
                frames.CloseCode.POLICY_VIOLATION,
                session_obj.REASON_VIEW_ONLY_CHANNEL))

    def write_now(self, pieces):
        """The fast path's payloads of one read (list of bytes), filtered
        as one stream."""
        data = self._filter(pieces[0] if len(pieces) == 1
                            else b''.join(pieces))
        if data:
            self._link.write_now([data])

    async def write(self, data):
        """Write what of ``data`` (bytes) may go to the guest; wait while
        its buffer is full (as :meth:`GuestLink.write`)."""
        passed = self._filter(data)
        # The session's relay counted the whole message as sent to the
        # guest; only what went there counts.
        self._link.session.to_guest -= len(data) - len(passed)
        if passed:
            await self._link.write(passed)
        elif self._link.closed:
            raise ConnectionResetError('guest closed')
