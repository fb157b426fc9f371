"""Session recordings: the file format, its bounds, and the proxy writing
one for a real session through the fake guest."""

import asyncio
import io
import os
import stat
import threading
import time
import types

import pytest

from consolehub.console import recorder
from consolehub.console import static
from consolehub.objects import console_session as session_obj
from tests.unit.console import helpers
from tests.unit.console.helpers import BANNER, TIMEOUT

SESSION = '8a2cbd1f-4c4b-4b43-9d4e-0a1b2c3d4e5f'
INSTANCE = '11111111-2222-3333-4444-555555555555'


@pytest.fixture
def writer(tmp_path):
    writer = recorder.RecordingWriter(str(tmp_path / 'recordings'))
    yield writer
    writer.stop()


def _recorder(writer, max_bytes=1 << 20, queue_bytes=1 << 20):
    return writer.recorder(SESSION, INSTANCE, 'novnc', max_bytes,
                           queue_bytes)


def _finish(writer, rec):
    rec.close()
    writer.stop()
    with open(rec.path, 'rb') as recording:
        return recorder.read(recording)


def test_records_round_trip_with_header_directions_and_times(writer):
    rec = _recorder(writer)
    shared = bytearray(b'RFB 003.008\n')
    rec.guest_bytes(memoryview(shared))
    shared[:] = b'overwritten!'  # the relay's buffer is reused at once
    rec.client_bytes(b'RFB 003.008\n')
    rec.guest_bytes(b'\x01' * 70000)
    header, records = _finish(writer, rec)
    assert header['session'] == SESSION
    assert header['instance'] == INSTANCE
    assert header['console_type'] == 'novnc'
    assert [(kind, data) for kind, _ms, data in records] == [
        (recorder.GUEST, b'RFB 003.008\n'),
        (recorder.CLIENT, b'RFB 003.008\n'),
        (recorder.GUEST, b'\x01' * 70000)]
    stamps = [ms for _kind, ms, _data in records]
    assert stamps == sorted(stamps)
    assert os.path.basename(rec.path) == SESSION + '.rec'
    assert stat.S_IMODE(os.stat(rec.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(writer.directory).st_mode) == 0o700


def test_size_limit_truncates_with_a_marker_and_stays_bounded(writer):
    max_bytes = 64 * 1024
    rec = _recorder(writer, max_bytes=max_bytes)
    for _ in range(100):
        rec.guest_bytes(b'x' * 1000)
    rec.client_bytes(b'after the limit')
    header, records = _finish(writer, rec)
    assert os.path.getsize(rec.path) <= max_bytes
    assert records[-1][0] == recorder.TRUNCATED
    assert records[-1][2] == b'size limit'
    assert rec.truncated == recorder.REASON_SIZE_LIMIT
    assert all(kind == recorder.GUEST for kind, _ms, _d in records[:-1])
    assert 50 < len(records) < 100


def test_full_queue_truncates_rather_than_wait_or_grow(writer):
    hold = threading.Lock()
    hold.acquire()
    write = writer._write

    def stuck_write(*args):
        with hold:  # the disk does not keep up
            write(*args)

    writer._write = stuck_write
    rec = _recorder(writer, queue_bytes=100 * 1024)
    for _ in range(200):
        rec.guest_bytes(b'y' * 1024)
    assert rec.truncated == recorder.REASON_QUEUE_FULL
    assert rec.queued - len(b'queue full') <= 100 * 1024
    hold.release()
    _header, records = _finish(writer, rec)
    assert records[-1] == (recorder.TRUNCATED, records[-1][1],
                           b'queue full')
    assert len(records) - 1 == 100


def test_unwritable_directory_fails_the_recording_not_the_caller(tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_bytes(b'')
    writer = recorder.RecordingWriter(str(blocker / 'recordings'))
    with pytest.raises(OSError):
        _recorder(writer)


def test_cut_recording_is_a_format_error():
    data = recorder.encode_header(SESSION, INSTANCE, 'serial', 0.0)
    data += recorder.RECORD_HEAD.pack(recorder.GUEST, 5, 10) + b'short'
    with pytest.raises(recorder.FormatError):
        recorder.read(io.BytesIO(data))
    with pytest.raises(recorder.FormatError):
        recorder.read(io.BytesIO(b'not a recording'))


def test_purge_deletes_only_old_recordings(tmp_path):
    old = tmp_path / 'old.rec'
    new = tmp_path / 'new.rec'
    other = tmp_path / 'notes.txt'
    for path in (old, new, other):
        path.write_bytes(b'x')
    os.utime(old, (1000, 1000))
    os.utime(other, (1000, 1000))
    assert recorder.purge(str(tmp_path), 3600) == 1
    assert not old.exists() and new.exists() and other.exists()
    assert recorder.purge(str(tmp_path), 0) == 0
    assert recorder.purge(str(tmp_path / 'absent'), 60) == 0


def _complete(path, count):
    """The recording at ``path`` once it has ``count`` records."""
    try:
        with open(path, 'rb') as recording:
            header, records = recorder.read(recording)
    except (OSError, recorder.FormatError):
        return None
    return (header, records) if len(records) >= count else None


def test_proxy_records_a_session_asked_for_by_its_token(
        proxy, guest, ctx, instance, conf_fixture, tmp_path):
    directory = str(tmp_path / 'recordings')
    conf_fixture.config(record_directory=directory, group='console')
    proxy.recordings.directory = directory
    raw_token = helpers.mint(ctx, instance, guest.port, record=True)
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
        websocket.send(b'typed secret')
        assert helpers.recv_exactly(websocket, 12) == b'typed secret'
    row = helpers.wait_for(lambda: [
        row for row in helpers.sessions_of(instance)
        if row['ended_at'] is not None])[0]
    assert row['recorded']
    path = session_obj.recording_path(row['uuid'], directory)
    header, records = helpers.wait_for(lambda: _complete(path, 3))
    assert header['session'] == row['uuid']
    assert [(kind, data) for kind, _ms, data in records] == [
        (recorder.GUEST, BANNER), (recorder.CLIENT, b'typed secret'),
        (recorder.GUEST, b'typed secret')]


def test_proxy_records_more_than_a_chunk_of_guest_output_exactly(
        proxy, guest, ctx, instance, conf_fixture, tmp_path):
    directory = str(tmp_path / 'recordings')
    conf_fixture.config(record_directory=directory, group='console')
    proxy.recordings.directory = directory
    raw_token = helpers.mint(ctx, instance, guest.port, record=True)
    sent = b''.join(os.urandom(64 * 1024) for _ in range(48))  # 3 MiB
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
        for start in range(0, len(sent), 64 * 1024):
            websocket.send(sent[start:start + 64 * 1024])
        assert helpers.recv_exactly(websocket, len(sent)) == sent
    row = helpers.wait_for(lambda: [
        row for row in helpers.sessions_of(instance)
        if row['ended_at'] is not None])[0]
    path = session_obj.recording_path(row['uuid'], directory)

    def whole():
        found = _complete(path, 1)
        if found is None or len(b''.join(
                data for kind, _ms, data in found[1]
                if kind == recorder.GUEST)) < len(BANNER) + len(sent):
            return None
        return found

    _header, records = helpers.wait_for(whole)
    kinds = {kind for kind, _ms, _data in records}
    assert kinds == {recorder.GUEST, recorder.CLIENT}  # nothing truncated
    assert b''.join(data for kind, _ms, data in records
                    if kind == recorder.GUEST) == BANNER + sent
    assert b''.join(data for kind, _ms, data in records
                    if kind == recorder.CLIENT) == sent
    stamps = [ms for _kind, ms, _data in records]
    assert stamps == sorted(stamps)


def test_unrecorded_session_writes_no_file(proxy, guest, ctx, instance,
                                           conf_fixture, tmp_path):
    directory = str(tmp_path / 'recordings')
    conf_fixture.config(record_directory=directory, group='console')
    proxy.recordings.directory = directory
    raw_token = helpers.mint(ctx, instance, guest.port)
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
    row = helpers.wait_for(lambda: [
        row for row in helpers.sessions_of(instance)
        if row['ended_at'] is not None])[0]
    assert not row['recorded']
    assert not os.path.exists(directory)


def test_replay_page_is_served_on_every_listener(all_proxies):
    for kind in ('novnc', 'serial'):
        response, body = helpers.http_get(
            all_proxies.bound_ports[kind], 'GET',
            static.OWN_PREFIX + 'replay.html')
        assert response.status == 200
        assert b'replay.js' in body


def test_record_sessions_records_every_session(
        proxy, guest, ctx, instance, conf_fixture, tmp_path):
    directory = str(tmp_path / 'recordings')
    conf_fixture.config(record_directory=directory, record_sessions=True,
                        group='console')
    proxy.recordings.directory = directory
    raw_token = helpers.mint(ctx, instance, guest.port)
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
    row = helpers.wait_for(lambda: [
        row for row in helpers.sessions_of(instance)
        if row['ended_at'] is not None])[0]
    assert row['recorded']
    path = session_obj.recording_path(row['uuid'], directory)
    _header, records = helpers.wait_for(lambda: _complete(path, 1))
    assert records == [(recorder.GUEST, records[0][1], BANNER)]


def test_only_the_main_link_of_a_recorded_session_records():
    from consolehub.console import guest
    recording = object()
    websocket = object()
    for session_recorder, main_link, expected in (
            (None, True, None), (recording, False, None),
            (recording, True, recording)):
        session = types.SimpleNamespace(recorder=session_recorder)
        link = guest.GuestLink(websocket, session, main_link)
        assert link.recorder is expected


def _read_into_chunk(rec, data):
    """What a recorded guest link does with one read of ``data``."""
    region = rec.reserve()
    assert region is not None
    room = recorder._HEAD_ROOM
    region[room:room + len(data)] = data
    region[:room] = b'\xff' * room  # the frame header the relay writes
    rec.commit(len(data))


def test_chunked_reads_keep_their_order_with_the_clients(writer):
    async def session():
        rec = _recorder(writer, max_bytes=8 << 20, queue_bytes=4 << 20)
        reads = [bytes([n]) * (200 * 1024) for n in range(8)]
        for data in reads[:5]:  # more than a chunk: one goes back
            _read_into_chunk(rec, data)
        rec.client_bytes(b'typed')
        for data in reads[5:]:
            _read_into_chunk(rec, data)
        rec.guest_bytes(b'early')
        return rec, reads

    rec, reads = asyncio.run(session())
    _header, records = _finish(writer, rec)
    assert [(kind, data) for kind, _ms, data in records] == (
        [(recorder.GUEST, data) for data in reads[:5]] +
        [(recorder.CLIENT, b'typed')] +
        [(recorder.GUEST, data) for data in reads[5:]] +
        [(recorder.GUEST, b'early')])
    assert rec.truncated is None
    assert rec.chunks_returned == rec.chunks_taken == 2
    assert len(writer.pool._idle) == rec.chunks_taken


def test_a_partly_filled_chunk_goes_to_the_file_after_an_interval(writer):
    async def session():
        rec = _recorder(writer)
        _read_into_chunk(rec, b'login: ')
        await asyncio.sleep(recorder._FLUSH_INTERVAL * 2)
        return rec

    rec = asyncio.run(session())
    deadline = time.monotonic() + TIMEOUT
    while (not os.path.exists(rec.path) or
           os.path.getsize(rec.path) < len(rec.header) + 9 + 7):
        assert time.monotonic() < deadline, 'not written'
        time.sleep(0.01)
    assert rec.chunk is None  # a quiet session holds no chunk
    helpers.wait_for(lambda: rec.chunks_returned == rec.chunks_taken == 1)
    _header, records = _finish(writer, rec)
    assert [data for _kind, _ms, data in records] == [b'login: ']


def test_no_chunk_left_truncates_and_reads_go_to_the_shared_buffer(writer):
    hold = threading.Lock()
    hold.acquire()
    write = writer._write

    def stuck_write(*args):
        with hold:  # the disk does not keep up
            write(*args)

    writer._write = stuck_write

    async def session():
        rec = _recorder(writer, max_bytes=8 << 20,
                        queue_bytes=2 * recorder.CHUNK_BYTES)
        assert rec.max_chunks == 2
        data = b'z' * (500 * 1024)
        for _ in range(4):  # two chunks
            _read_into_chunk(rec, data)
        assert rec.reserve() is None
        return rec

    rec = asyncio.run(session())
    assert rec.truncated == recorder.REASON_QUEUE_FULL
    assert rec.chunks_taken == 2
    hold.release()
    _header, records = _finish(writer, rec)
    assert [kind for kind, _ms, _data in records] == (
        [recorder.GUEST] * 4 + [recorder.TRUNCATED])
    assert records[-1][2] == b'queue full'
    assert rec.chunks_returned == 2
