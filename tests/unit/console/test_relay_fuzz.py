"""Differential fuzz: the relay's fast path against websockets' parser.

Random sequences of masked client frames (binary, text, continuation,
ping, pong, close; fragmented, oversized, unmasked, with reserved bits,
non-minimal lengths, invalid UTF-8 or close codes), cut at random read
boundaries, go through :class:`consolehub.console.relay.
WebsocketConnection` (its fast path, and websockets where it hands
over) and through websockets' own ``ServerProtocol`` in one piece. Both
must give the same data payloads, in order (to the guest, or queued for
the session's task), write the same bytes back to the client (pongs,
close frames) and end in the same state with the same close codes.
"""

import asyncio
import struct

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from websockets import frames
from websockets import protocol as ws_protocol
from websockets import server as ws_server_protocol

from tests.unit.console import relay_doubles

#: Small, so that oversized messages cost little.
MAX_SIZE = 1024

_DATA_OPCODES = (frames.Opcode.TEXT, frames.Opcode.BINARY,
                 frames.Opcode.CONT)


@st.composite
def _client_frame(draw):
    """One client frame's bytes."""
    kind = draw(st.sampled_from([
        'binary', 'binary', 'binary', 'text', 'fragment', 'cont', 'ping',
        'pong', 'close', 'odd']))
    fin = True
    payload = draw(st.binary(max_size=300))
    if kind == 'binary':
        opcode = 0x2
        if draw(st.integers(0, 9)) == 0:
            payload = bytes(draw(st.integers(MAX_SIZE - 2, MAX_SIZE + 2)))
    elif kind == 'text':
        opcode = 0x1
        if draw(st.booleans()):
            payload = draw(st.text(max_size=100)).encode('utf-8')
    elif kind == 'fragment':
        opcode, fin = draw(st.sampled_from([0x1, 0x2])), False
        if opcode == 0x1:
            payload = draw(st.text(max_size=50)).encode('utf-8')
    elif kind == 'cont':
        opcode, fin = 0x0, draw(st.booleans())
    elif kind in ('ping', 'pong'):
        opcode = 0x9 if kind == 'ping' else 0xa
        payload = payload[:draw(st.sampled_from([0, 5, 125, 126, 200]))]
    elif kind == 'close':
        opcode = 0x8
        code = draw(st.sampled_from([1000, 1001, 1005, 1008, 1011, 999,
                                     3000, 5000]))
        payload = draw(st.sampled_from([
            b'', struct.pack('!H', code),
            struct.pack('!H', code) + b'bye', b'\x03']))
    else:
        opcode = draw(st.sampled_from([0x2, 0x3, 0xb]))
    first = (0x80 if fin else 0) | opcode
    if kind == 'odd':
        first |= draw(st.sampled_from([0x40, 0x20, 0x10, 0]))
        fin = bool(first & 0x80)
    masked = not (kind == 'odd' and draw(st.booleans()))
    return _encode(first, payload, masked,
                   draw(st.sampled_from(['minimal', '16', '64'])),
                   draw(st.binary(min_size=4, max_size=4)))


def _encode(first, payload, masked, length_form, mask):
    length = len(payload)
    mask_bit = 0x80 if masked else 0
    if length_form == 'minimal' and length < 126:
        head = struct.pack('!BB', first, mask_bit | length)
    elif length_form != '64' and length < 65536:
        head = struct.pack('!BBH', first, mask_bit | 126, length)
    else:
        head = struct.pack('!BBQ', first, mask_bit | 127, length)
    if not masked:
        return head + payload
    body = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
    return head + mask + body


@st.composite
def _stream_and_reads(draw):
    stream = b''.join(draw(st.lists(_client_frame(), min_size=1,
                                    max_size=12)))
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(stream) - 1)),
                               max_size=8)))
    bounds = [0] + [cut for cut in cuts if cut < len(stream)] + [len(stream)]
    return stream, [stream[start:end]
                    for start, end in zip(bounds, bounds[1:])]


def _reference(stream):
    """What websockets' own parser makes of ``stream`` in one piece."""
    protocol = ws_server_protocol.ServerProtocol(
        state=ws_protocol.State.OPEN, max_size=MAX_SIZE)
    protocol.receive_data(stream)
    payload = b''.join(event.data for event in protocol.events_received()
                       if event.opcode in _DATA_OPCODES)
    return payload, b''.join(protocol.data_to_send()), protocol


def _ours(reads):
    """What the relay makes of ``reads``: guest bytes, then the frames
    handed to websockets, the bytes written back, the protocol."""
    async def run():
        link = relay_doubles.Link()
        connection = relay_doubles.connection(link, max_size=MAX_SIZE)
        for read in reads:
            relay_doubles.feed(connection, read)
        queued = b''.join(
            frame.data for frame in connection.recv_messages.frames.queue)
        return (bytes(link.data) + queued,
                bytes(connection.transport.written), connection.protocol)

    return asyncio.run(run())


def _closes(protocol):
    return [(close.code, close.reason) if close else None
            for close in (protocol.close_rcvd, protocol.close_sent)]


@settings(max_examples=400, deadline=None)
@given(_stream_and_reads())
def test_fast_path_agrees_with_websockets(stream_and_reads):
    stream, reads = stream_and_reads
    payload, written, reference = _reference(stream)
    our_payload, our_written, ours = _ours(reads)
    assert our_payload == payload
    assert our_written == written
    assert ours.state is reference.state
    assert _closes(ours) == _closes(reference)
    assert type(ours.handshake_exc) is type(reference.handshake_exc)
