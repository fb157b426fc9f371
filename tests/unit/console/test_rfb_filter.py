"""The RFB client stream filter (RFC 6143): what reaches the guest."""

import struct

import pytest

from consolehub.console import rfb_filter

HANDSHAKE = b'RFB 003.008\n' + b'\x01' + b'\x00'  # None, exclusive
SHARED_HANDSHAKE = b'RFB 003.008\n' + b'\x01' + b'\x01'

PIXEL_FORMAT = bytes([0, 0, 0, 0]) + bytes(range(16))
ENCODINGS = struct.pack('!BxHiii', 2, 3, 0, 1, -223)
UPDATE_REQUEST = struct.pack('!BBHHHH', 3, 1, 0, 0, 640, 480)
KEY = struct.pack('!BBxxI', 4, 1, 0x61)
POINTER = struct.pack('!BBHH', 5, 1, 10, 20)
CUT_TEXT = struct.pack('!Bxxxi', 6, 5) + b'hello'
EXTENDED_CUT_TEXT = struct.pack('!Bxxxi', 6, -8) + b'\x10\x00\x00\x01abcd'
QEMU_KEY = struct.pack('!BBHII', 255, 0, 1, 0x61, 0x1e)
QEMU_AUDIO_ENABLE = struct.pack('!BBH', 255, 1, 0)
QEMU_AUDIO_FORMAT = struct.pack('!BBHBBI', 255, 1, 2, 3, 2, 44100)
CONTINUOUS_UPDATES = struct.pack('!BBHHHH', 150, 1, 0, 0, 640, 480)
FENCE = struct.pack('!BxxxIB', 248, 0, 3) + b'abc'
XVP = struct.pack('!BxBB', 250, 1, 2)
DESKTOP_SIZE = (struct.pack('!BxHHBx', 251, 800, 600, 2) +
                bytes(range(16)) + bytes(range(16, 32)))

FORWARDED = [PIXEL_FORMAT, ENCODINGS, UPDATE_REQUEST]
DROPPED = [KEY, POINTER, CUT_TEXT, EXTENDED_CUT_TEXT, QEMU_KEY,
           QEMU_AUDIO_ENABLE, QEMU_AUDIO_FORMAT, CONTINUOUS_UPDATES, FENCE,
           XVP, DESKTOP_SIZE]


def _feed_in(stream, data, size):
    """Feed ``data`` in reads of ``size`` bytes; what went through."""
    return b''.join(stream.feed(memoryview(data[start:start + size]))
                    for start in range(0, len(data), size))


def test_every_session_is_made_shared():
    for view_only in (False, True):
        stream = rfb_filter.ClientStream(view_only)
        assert stream.feed(HANDSHAKE) == SHARED_HANDSHAKE


def test_a_full_session_passes_everything_after_client_init():
    stream = rfb_filter.ClientStream(view_only=False)
    rest = KEY + POINTER + b'\x77anything at all'
    assert stream.feed(HANDSHAKE + rest) == SHARED_HANDSHAKE + rest
    assert stream.passing
    assert stream.feed(KEY) == KEY


@pytest.mark.parametrize('message', FORWARDED)
def test_view_only_forwards_what_shapes_the_updates(message):
    stream = rfb_filter.ClientStream(view_only=True)
    assert stream.feed(HANDSHAKE + message) == SHARED_HANDSHAKE + message
    assert stream.dropped == 0


@pytest.mark.parametrize('message', DROPPED)
def test_view_only_drops_what_acts_on_the_guest(message):
    stream = rfb_filter.ClientStream(view_only=True)
    assert stream.feed(HANDSHAKE + message + UPDATE_REQUEST) == (
        SHARED_HANDSHAKE + UPDATE_REQUEST)
    assert stream.dropped == 1
    assert not stream.passing


@pytest.mark.parametrize('size', [1, 2, 3, 5, 7, 13, 64])
def test_messages_split_across_reads(size):
    """Every cut of every message, the handshake with VNC authentication
    included, gives the same bytes to the guest."""
    messages = []
    expected = []
    for number in range(3):
        for message in FORWARDED:
            messages.append(message)
            expected.append(message)
        for message in DROPPED:
            messages.append(message)
    auth = b'\xa5' * 16
    client = b'RFB 003.007\n\x02' + auth + b'\x00' + b''.join(messages)
    stream = rfb_filter.ClientStream(view_only=True)
    assert _feed_in(stream, client, size) == (
        b'RFB 003.007\n\x02' + auth + b'\x01' + b''.join(expected))
    assert stream.dropped == 3 * len(DROPPED)


def test_a_large_cut_text_is_skipped_without_keeping_it():
    stream = rfb_filter.ClientStream(view_only=True)
    stream.feed(HANDSHAKE)
    assert stream.feed(struct.pack('!Bxxxi', 6, 10 * 1024 * 1024)) == b''
    chunk = b'x' * (1024 * 1024)
    for _number in range(10):
        assert stream.feed(chunk) == b''
    assert stream.feed(UPDATE_REQUEST) == UPDATE_REQUEST


@pytest.mark.parametrize('message', [b'\x01', b'\x07', b'\x80',
                                     b'\xff\x07\x00\x00',
                                     b'\xff\x01\x00\x09'])
def test_an_unknown_message_breaks_a_view_only_stream(message):
    stream = rfb_filter.ClientStream(view_only=True)
    stream.feed(HANDSHAKE + UPDATE_REQUEST)
    with pytest.raises(rfb_filter.ProtocolError):
        stream.feed(message + UPDATE_REQUEST)
    # No way to find the next message: it stays broken.
    with pytest.raises(rfb_filter.ProtocolError):
        stream.feed(UPDATE_REQUEST)


@pytest.mark.parametrize('handshake', [
    b'RFB 003.003\n\x00',          # the server picks the security type
    b'RFB 003.889\n\x01\x00',      # a version taken as 3.3
    b'RFB 003.008\n\x13\x00\x02',  # VeNCrypt: cannot be followed
])
def test_handshakes_it_cannot_follow(handshake):
    with pytest.raises(rfb_filter.ProtocolError):
        rfb_filter.ClientStream(view_only=True).feed(handshake)
    # A full session is passed on untouched from there.
    stream = rfb_filter.ClientStream(view_only=False)
    assert stream.feed(handshake + KEY) == handshake + KEY
    assert stream.passing


def test_a_stream_that_is_not_rfb_is_not_held_back():
    """A full session whose first bytes cannot be RFB's version passes
    them at once (nothing to wait for); a view-only one ends."""
    stream = rfb_filter.ClientStream(view_only=False)
    assert stream.feed(b'\x03\x00') == b'\x03\x00'
    assert stream.passing
    with pytest.raises(rfb_filter.ProtocolError):
        rfb_filter.ClientStream(view_only=True).feed(b'RFX')
    # A version cut by the end of a read waits for the rest.
    stream = rfb_filter.ClientStream(view_only=False)
    assert stream.feed(b'RFB 00') == b''
    assert stream.feed(b'3.008\n\x01\x00') == SHARED_HANDSHAKE
