"""The proxy's fast path from the client to the guest, frame by frame.

A :class:`consolehub.console.relay.WebsocketConnection` is fed reads the
way asyncio feeds a buffered protocol (``get_buffer``, then
``buffer_updated``), with a fake transport and a fake guest link, so
frames can be cut at every byte.
"""

import asyncio
import os
import random
import time

from websockets import frames
from websockets import protocol as ws_protocol

from consolehub.console import relay
from tests.unit.console import relay_doubles

MAX_SIZE = relay_doubles.MAX_SIZE
_Link = relay_doubles.Link
_connection = relay_doubles.connection
_feed = relay_doubles.feed
_frame = relay_doubles.frame


def _run(coroutine_function):
    return asyncio.run(coroutine_function())


async def _until(predicate, timeout=5):
    """Let the loop run until ``predicate()`` holds, within ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, 'condition never held'
        await asyncio.sleep(0.001)


def _payloads():
    sizes = (0, 1, 5, 125, 126, 127, 300, 4096)
    return [os.urandom(size) for size in sizes]


def test_frames_cut_at_every_byte_reach_the_guest_in_order():
    payloads = _payloads()
    frames_in = [_frame(payload) for payload in payloads]
    ping = _frame(b'are you there', opcode=0x9)
    stream = b''.join(frames_in[:3]) + ping + b''.join(frames_in[3:])
    expected = b''.join(payloads)

    async def check():
        for cut in range(1, len(stream)):
            link = _Link()
            connection = _connection(link)
            _feed(connection, stream[:cut])
            # Between reads only a cut header or control frame is kept.
            assert len(connection._fast_head) < 132
            _feed(connection, stream[cut:])
            assert bytes(link.data) == expected, cut
            assert not connection._fast_off
            assert not connection._fast_head
            assert not connection._fast_left
            pong = frames.Frame(frames.Opcode.PONG, b'are you there')
            assert bytes(connection.transport.written) == pong.serialize(
                mask=False, extensions=[])

    _run(check)


def test_frames_in_reads_of_any_size():
    rng = random.Random(1234)
    payloads = _payloads() + [os.urandom(size)
                              for size in (65535, 65536, 200000)]
    stream = b''.join(_frame(payload) for payload in payloads)

    async def check():
        for _ in range(20):
            link = _Link()
            connection = _connection(link)
            position = 0
            while position < len(stream):
                size = rng.choice((1, 2, 3, 7, 13, 100, 4096, 70000))
                _feed(connection, stream[position:position + size])
                position += size
            assert bytes(link.data) == b''.join(payloads)

    _run(check)


def test_one_write_per_read():
    payloads = _payloads()
    link = _Link()

    async def check():
        connection = _connection(link)
        _feed(connection, b''.join(_frame(payload) for payload in payloads))

    _run(check)
    assert link.writes == 1
    assert bytes(link.data) == b''.join(payloads)


def test_bytes_before_the_guest_link_are_kept_in_order():
    payloads = _payloads()
    stream = b''.join(_frame(payload) for payload in payloads)
    link = _Link()

    async def check():
        connection = _connection(None)
        _feed(connection, stream[:1000])
        assert not link.data
        connection.consolehub_connected(link)
        _feed(connection, stream[1000:])

    _run(check)
    assert bytes(link.data) == b''.join(payloads)


def test_text_frame_hands_the_rest_to_websockets():
    link = _Link()

    async def check():
        connection = _connection(link)
        _feed(connection, _frame(b'first') + _frame(b'text', opcode=0x1) +
              _frame(b'second'))
        assert connection._fast_off
        assert await connection.recv() == 'text'
        assert await connection.recv() == b'second'

    _run(check)
    assert bytes(link.data) == b'first'


def test_fragments_and_oversized_frames_go_to_websockets():
    async def check():
        connection = _connection(_Link())
        _feed(connection, _frame(b'frag', fin=False) +
              _frame(b'ment', opcode=0x0))
        assert await connection.recv() == b'fragment'

        link = _Link()
        connection = _connection(link)
        _feed(connection, _frame(b'x' * (MAX_SIZE + 1))[:100])
        assert connection._fast_off
        assert not link.data

    _run(check)


def test_reading_pauses_while_the_guest_is_behind():
    link = _Link()

    async def check():
        connection = _connection(link)
        link.writing_paused = True
        _feed(connection, _frame(b'data'))
        assert not connection.transport.reading
        link.writing_paused = False
        link.on_writable()
        assert connection.transport.reading

    _run(check)


def test_nothing_reaches_the_guest_after_a_close_frame():
    link = _Link()

    async def check():
        connection = _connection(link)
        close = frames.Close(frames.CloseCode.NORMAL_CLOSURE, 'bye')
        _feed(connection, _frame(b'before') +
              _frame(close.serialize(), opcode=0x8) + _frame(b'after'))
        assert connection.protocol.state is not ws_protocol.State.OPEN

    _run(check)
    assert bytes(link.data) == b'before'


def test_short_reads_back_to_back_pause_reading_briefly():
    link = _Link()

    async def check():
        connection = _connection(link)
        _feed(connection, _frame(b'a' * 4096))
        assert connection.transport.reading  # a lone read never waits
        _feed(connection, _frame(b'b' * 4096))
        assert not connection.transport.reading
        await _until(lambda: connection.transport.reading)

    _run(check)
    assert bytes(link.data) == b'a' * 4096 + b'b' * 4096


def test_tiny_spaced_or_full_reads_do_not_pause():
    link = _Link()
    chunk = b'c' * 4096

    async def check():
        connection = _connection(link)
        for _ in range(3):
            _feed(connection, _frame(b'k'))  # keys and requests: tiny
            assert connection.transport.reading
        for _ in range(3):
            # Reads further apart than a stream's are not coalesced.
            await _until(lambda: time.monotonic() - connection._last_read >
                         relay._STREAM_GAP)
            _feed(connection, _frame(chunk))
            assert connection.transport.reading
        big = _frame(b'x' * relay._COALESCE_BELOW)
        for _ in range(3):
            _feed(connection, big)
            assert connection.transport.reading

    _run(check)
    assert bytes(link.data) == (b'k' * 3 + chunk * 3 +
                                b'x' * relay._COALESCE_BELOW * 3)


def test_reads_after_an_answer_from_the_guest_do_not_pause():
    link = _Link()
    chunk = b'q' * 4096

    async def check():
        connection = _connection(link)
        for number in range(5):
            _feed(connection, _frame(chunk))
            assert connection.transport.reading, number
            link.session.to_client += 4096  # the guest's answer went out

    _run(check)
    assert bytes(link.data) == chunk * 5


def test_coalescing_and_a_slow_guest_both_hold_reading():
    link = _Link()

    async def check():
        connection = _connection(link)
        _feed(connection, _frame(b'a' * 4096))
        link.writing_paused = True
        _feed(connection, _frame(b'b' * 4096))  # coalescing, guest behind
        await _until(lambda: not connection._coalescing)
        assert not connection.transport.reading  # the guest still is
        link.writing_paused = False
        link.on_writable()
        assert connection.transport.reading

        _feed(connection, _frame(b'c' * 4096))
        _feed(connection, _frame(b'd' * 4096))  # coalescing again
        link.writing_paused = True
        link.writing_paused = False
        connection._resume_for_guest()  # the guest catches up at once
        assert not connection.transport.reading  # the pause runs its time
        await _until(lambda: connection.transport.reading)

    _run(check)
    assert bytes(link.data) == b''.join(letter * 4096 for letter in
                                        (b'a', b'b', b'c', b'd'))
