"""The console proxy's hot path from the client: every read of a session.

Once :mod:`consolehub.console.sessions` has accepted a websocket and
connected to the guest's console, each read from the client is handled
here, in the event loop's callbacks: :class:`WebsocketConnection` parses
the client's binary frames where they were read, unmasks them and writes
their payloads to the guest. Anything else (the handshake, control
frames, text or fragmented messages) goes to websockets, whose messages
the session's task relays. The guest's side,
:class:`consolehub.console.guest.GuestLink`, frames each read from the
guest for the client.

Both sides read into one buffer per thread (:func:`read_buffer`), so idle
sessions hold no read buffer, and each pauses reading while the other
side cannot take more, so memory stays bounded. The rest of the proxy
runs once per request or session; this module runs for every read.

Bounds. Reading from a client pauses while its guest cannot take more,
for a moment to coalesce bulk input, while websockets' message queue is
full, and while the client's own write buffer is above
:data:`WRITE_LIMIT`: the last because everything answered to the client
(pongs, close frames) lands there too, and a client that sends pings and
never reads would otherwise grow it without bound. Each reason is a bit
of one mask (``_HOLD_*``), so none resumes reading another still holds.
Nothing kept past a read refers to the shared buffer: payloads are
unmasked into new bytes, and the guest's side gives the client's
transport only copies (see :class:`consolehub.console.guest.GuestLink`).
The parser is fuzzed against websockets' own
(``tests/unit/console/test_relay_fuzz.py``).
"""

import asyncio
import functools
import struct
import threading
import time

try:
    from websockets.speedups import apply_mask as _apply_mask
except ImportError:  # pragma: no cover - websockets built without C
    from websockets.utils import apply_mask as _apply_mask
from websockets.asyncio import server as ws_server
from websockets import datastructures
from websockets import http11
from websockets import protocol as ws_protocol

#: Most bytes one read takes (from the guest: one websocket message).
#: Large reads keep the reads and frames per GB few; 1 MiB rather than
#: 256 KiB saved about 0.06 CPU-s/GB guest->browser in bench.proxy.
READ_CHUNK = 1024 * 1024

#: High-water mark of a websocket's write buffer (bytes): above it the
#: guest's reads pause until the client has taken most of it. A session
#: streaming to a slow client holds at most about one read and this.
WRITE_LIMIT = 256 * 1024

#: Most bytes kept for a client that writes before its guest link is up;
#: past that they go to websockets, whose own queue limits apply.
_MAX_PENDING = 256 * 1024

#: A frame header's mask, and a longer length with the mask after it.
_MASK = struct.Struct('4s')
_MASKED_16 = struct.Struct('!H4s')
_MASKED_64 = struct.Struct('!Q4s')
#: First header bytes of close, ping and pong frames (FIN, no RSV bits).
_CONTROL_FIRST = frozenset((0x88, 0x89, 0x8a))
_CONNECTING = ws_protocol.State.CONNECTING
_OPEN = ws_protocol.State.OPEN
_NO_LIMIT = 1 << 64
#: Room kept in front of each read for the websocket frame header.
HEAD_ROOM = 10

#: Stands for the handshake request once a session no longer needs it.
HANDSHAKE_DONE = http11.Request('/', datastructures.Headers())

#: Client input coalescing (see :meth:`WebsocketConnection._coalesce`):
#: a read of ``_COALESCE_FROM`` to ``_COALESCE_BELOW`` bytes that follows
#: the previous read within ``_STREAM_GAP`` seconds pauses reading for
#: ``_COALESCE_DELAY`` seconds, so that a bulk stream is read in large
#: pieces.
_COALESCE_FROM = 2048
_COALESCE_BELOW = 64 * 1024
_STREAM_GAP = 0.005
_COALESCE_DELAY = 0.002

#: Reasons to pause reading from a client, as bits: the guest cannot
#: take more, coalescing, the client's write buffer is full, websockets'
#: message queue is full.
_HOLD_GUEST = 1
_HOLD_COALESCE = 2
_HOLD_CLIENT = 4
_HOLD_QUEUE = 8

_THREAD_STATE = threading.local()


def read_buffer():
    """This thread's ``(bytearray, memoryview)`` for every read.

    asyncio calls ``get_buffer``, reads and calls ``buffer_updated`` in one
    go, and both sides consume the bytes before returning, so one buffer
    serves every session of an event loop: idle sessions cost no buffer.
    """
    state = getattr(_THREAD_STATE, 'buffer', None)
    if state is None:
        buffer = bytearray(HEAD_ROOM + READ_CHUNK)
        state = _THREAD_STATE.buffer = (buffer, memoryview(buffer))
    return state


class WebsocketConnection(ws_server.ServerConnection,
                          asyncio.BufferedProtocol):
    """A websocket connection with a fast path from the client to the guest.

    The kernel reads the client's bytes straight into the thread's shared
    read buffer (see :func:`read_buffer`). Once open, the client's
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
    #: The handshake's verdict (see :mod:`consolehub.console.sessions`)
    #: until the connection's handler takes it.
    consolehub = None
    #: Whether the connection has been lost.
    consolehub_lost = False
    #: The session's :class:`GuestLink` once connected to the guest.
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
    #: Why reading from the client is paused: a set of ``_HOLD_*`` bits.
    _holds = 0
    #: When the last read of the fast path was handled (monotonic s), and
    #: the session's bytes to the client then.
    _last_read = 0.0
    _to_client_at_read = 0

    def consolehub_admit(self, verdict):
        """Keep the handshake's ``verdict`` for the handler.

        A verdict whose connection is lost before the handler takes it is
        abandoned (its session row ended), now or when the loss comes.
        """
        if self.consolehub_lost:
            verdict.abandon(self)
        else:
            self.consolehub = verdict

    def connection_lost(self, exc):
        super().connection_lost(exc)
        self.consolehub_lost = True
        verdict, self.consolehub = self.consolehub, None
        if verdict is not None:
            # The upgrade failed after the token was redeemed: no handler
            # will run for this connection.
            verdict.abandon(self)

    def connection_made(self, transport):
        super().connection_made(transport)
        # websockets pauses reading while its queue of messages is full;
        # it must not resume reading that another reason holds.
        self.recv_messages.pause = functools.partial(self._hold, _HOLD_QUEUE)
        self.recv_messages.resume = functools.partial(self._release,
                                                      _HOLD_QUEUE)

    def _hold(self, reason):
        """Pause reading from the client for ``reason`` (a _HOLD_* bit)."""
        if not self._holds:
            self.transport.pause_reading()
        self._holds |= reason

    def _release(self, reason):
        """Resume reading unless another reason still holds it."""
        if self._holds & reason:
            self._holds &= ~reason
            if not self._holds and not self.transport.is_closing():
                self.transport.resume_reading()

    def resume_writing(self):
        super().resume_writing()
        self._release(_HOLD_CLIENT)
        callback, self.consolehub_on_resume = self.consolehub_on_resume, None
        if callback is not None:
            callback()

    def _hold_while_client_behind(self):
        # Every answer websockets writes (pongs, the close frame) and
        # every frame of the guest's lands in the client's write buffer;
        # a client that sends pings and never reads would have it grow
        # without bound. Above its high-water mark, stop reading from the
        # client until it has taken what waits.
        if self.paused and not self._holds & _HOLD_CLIENT:
            self._hold(_HOLD_CLIENT)

    def get_buffer(self, sizehint):
        """The shared buffer, after the cut frame head of the last read.

        The head goes back in front of the new bytes, so frames are parsed
        in one contiguous buffer. Safe to share: asyncio reads and calls
        :meth:`buffer_updated` in one go, which consumes the bytes.
        """
        view = read_buffer()[1]
        head = self._fast_head
        if not head:
            return view
        view[:len(head)] = head
        return view[len(head):]

    def buffer_updated(self, nbytes):
        """Handle ``nbytes`` (int) read after the kept head, if any."""
        view = read_buffer()[1]
        if self._fast_head:
            nbytes += len(self._fast_head)
            self._fast_head = b''
        state = self.protocol.state
        if self._fast_off or state is _CONNECTING:
            # The handshake, or websockets' from here on: as plain reads.
            super().data_received(bytes(view[:nbytes]))
            self._hold_while_client_behind()
            return
        link = self.consolehub_link
        if link is None:
            # Not connected to the guest yet: keep the frames, in order,
            # unless websockets must see them now (closing, too many).
            pending = self._fast_pending + view[:nbytes]
            self._fast_pending = b''
            if (len(pending) > _MAX_PENDING or
                    state is not _OPEN):
                self._slow_from(pending, 0, len(pending))
            else:
                self._fast_pending = pending
            self._hold_while_client_behind()
            return
        self._parse(view, nbytes, link)
        self._coalesce(nbytes, link.session.to_client)
        self._hold_while_client_behind()

    def _coalesce(self, nbytes, to_client):
        """Let a stream of client writes pile up between reads.

        A client sending in bulk (a large paste, a SPICE transfer) writes
        messages of a few KiB back to back, and reading each as it comes
        costs a wake-up, a read and a write to the guest per few KiB.
        When such a read follows the last within ``_STREAM_GAP`` seconds
        and the guest sent the client nothing in between, reading pauses
        for ``_COALESCE_DELAY`` seconds and the next read takes what
        arrived meanwhile. Reads of less than ``_COALESCE_FROM`` bytes
        never pause, so interactive input and protocol chatter (keys,
        pointer events, noVNC's update requests: tens of bytes) go to the
        guest as they come; nor does a read that follows an answer from
        the guest, so request and response exchanges never wait.

        :param nbytes: the bytes (int) of this read.
        :param to_client: the session's bytes (int) sent to the client so
            far.
        """
        now = time.monotonic()
        last, self._last_read = self._last_read, now
        answered = to_client != self._to_client_at_read
        self._to_client_at_read = to_client
        if (not _COALESCE_FROM <= nbytes < _COALESCE_BELOW or answered or
                now - last > _STREAM_GAP or
                self._holds):
            return
        self._hold(_HOLD_COALESCE)
        asyncio.get_running_loop().call_later(_COALESCE_DELAY,
                                              self._end_coalescing)

    @property
    def _coalescing(self):
        return bool(self._holds & _HOLD_COALESCE)

    def _end_coalescing(self):
        self._release(_HOLD_COALESCE)

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
        if link.writing_paused and not self._holds & _HOLD_GUEST:
            self._hold(_HOLD_GUEST)
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
        self._release(_HOLD_GUEST)
