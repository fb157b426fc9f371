"""Console session recordings: one file per session, written off the hot path.

A recorded session's bytes both ways go, with the time they passed, to
``[console] record_directory``/``<session uuid>.rec`` on the proxy's host.
One :class:`RecordingWriter` thread per proxy writes every session's
recording; the event loop only queues. So a slow disk never slows a
session: a recording whose queue holds more than ``[console]
record_queue_bytes`` ends with a truncation marker, and so does one that
reaches ``[console] record_max_bytes``; the session goes on unrecorded
either way. A session that is not recorded pays nothing for recording
(its guest link is :class:`consolehub.console.guest.GuestLink` as
before; the client side tests one ``None`` per read).

The guest's reads are recorded without a copy: a recorded session's
guest link reads into a *chunk* (:data:`CHUNK_BYTES`, taken from the
writer's :class:`ChunkPool` and reused, so its memory is never fresh and
costs no page faults) through :meth:`Recorder.reserve`, the relay frames
and sends each read from the chunk as it does from the shared buffer,
and :meth:`Recorder.commit` only notes where the read lies. The chunk's
records go to the writer before a record of the client's (so the file
keeps their order), and the chunk itself when it is full, at the end, or
:data:`_FLUSH_INTERVAL` seconds after a read (so no read waits longer,
and a quiet session holds no chunk); the writer ``writev()``s each
record's head and the chunk's slice, then gives the chunk back to the
pool. At most ``record_queue_bytes`` of chunks (and no fewer than two)
of a recording may wait for the writer; one more would be the writer
falling behind: the recording ends with a ``queue full`` marker and the
session reads into the shared buffer again. Transports
never hold a view of a chunk: like the shared buffer's, what a client's
socket does not take is copied into ``bytes``. Bytes the client sends
are queued as the relay's ``bytes`` already, without a copy.

Measured (``python -m bench.proxy --paths consolehub,consolehub+rec
--skip round-trip,setup,sessions --repeat 3``, 1 GiB guest-to-browser
streams, medians of 6 runs alternating with the copying design, 2 shared
vCPUs; ``bench/README.rst``): recording costs the event loop's thread
0.56 s/GB where the copy cost 0.70-0.76 (unrecorded: 0.47-0.49), and
the whole process 0.77-0.84 s/GB where it cost 1.02-1.18 (unrecorded:
0.46-0.50); what is left is mostly the kernel copying every byte into
the page cache in the writer's thread.

The file format is :mod:`consolehub.console.recording_format`'s.
"""

import asyncio
import collections
import os
import threading
import time

from oslo_log import log as logging

from consolehub.console import recording_format
from consolehub.console import relay

LOG = logging.getLogger(__name__)

# The format's names, for the recorder's callers.
MAGIC = recording_format.MAGIC
GUEST = recording_format.GUEST
CLIENT = recording_format.CLIENT
TRUNCATED = recording_format.TRUNCATED
RECORD_HEAD = recording_format.RECORD_HEAD
FormatError = recording_format.FormatError
encode_header = recording_format.encode_header
path_for = recording_format.path_for
read = recording_format.read
purge = recording_format.purge
#: Truncation reasons (a marker's payload).
REASON_SIZE_LIMIT = 'size limit'
REASON_QUEUE_FULL = 'queue full'
REASON_WRITE_FAILED = 'write failed'
#: Room kept below ``max_bytes`` for the truncation marker.
_MARKER_ROOM = RECORD_HEAD.size + 32
#: Largest timestamp a record head holds (about 49.7 days).
_MAX_MS = 0xffffffff
#: Most buffers given to one ``writev()`` (Linux's IOV_MAX).
_IOV_MAX = 1024
#: Longest the idle writer sleeps without looking at its queue (seconds).
_WAKE_INTERVAL = 1.0
#: Seconds the writer naps after a batch, for the next to gather.
_BATCH_INTERVAL = 0.02
#: Bytes of one chunk of a recorded session's guest reads.
CHUNK_BYTES = 1024 * 1024
#: Bytes of space before each read in a chunk, for the websocket frame's
#: header (as in the shared read buffer).
_HEAD_ROOM = relay.HEAD_ROOM
#: Least room (bytes) for a read: with less left, a chunk goes to the
#: writer and the read takes the next.
_MIN_READ_ROOM = 64 * 1024
#: Idle chunks the pool keeps for reuse (the rest are freed).
_POOL_KEEP = 16
#: Longest a read waits in a partly filled chunk (seconds); the chunk
#: then goes to the writer and back to the pool.
_FLUSH_INTERVAL = 0.05


class ChunkPool(object):
    """Reused chunks for recorded sessions' guest reads.

    :meth:`take` is called by the event loop, :meth:`give` by the writer
    thread; a deque's append and pop are atomic, so no lock is needed.
    Chunks are allocated only when none is idle, and once used stay in
    memory (at most ``keep`` idle ones): steady recording touches no
    fresh memory.
    """

    def __init__(self, keep=_POOL_KEEP):
        self.keep = keep
        self._idle = collections.deque()

    def take(self):
        """A chunk: a writable ``memoryview`` of :data:`CHUNK_BYTES`."""
        try:
            return self._idle.pop()
        except IndexError:
            return memoryview(bytearray(CHUNK_BYTES))

    def give(self, chunk):
        """Take ``chunk`` back once nothing reads it any more."""
        if len(self._idle) < self.keep:
            self._idle.append(chunk)


class _Spans(list):
    """Records of a chunk for the writer: ``(head, start, end)`` tuples."""

    __slots__ = ('chunk', 'release')


class Recorder(object):
    """One session's recording: a bounded queue drained by the writer.

    Called from the event loop only; the writer thread reads the queue.
    Guest reads go through :meth:`reserve` and :meth:`commit` (no copy),
    or :meth:`guest_bytes` (bytes from before the link, copied).

    :param writer: the proxy's :class:`RecordingWriter`.
    :param session_uuid, instance_uuid: str; ``console_type``: str.
    :param max_bytes: most bytes (int) of the file, marker included.
    :param queue_bytes: most payload bytes (int) waiting to be written.
    """

    def __init__(self, writer, session_uuid, instance_uuid, console_type,
                 max_bytes, queue_bytes):
        self.writer = writer
        self.path = path_for(writer.directory, session_uuid)
        self.header = encode_header(session_uuid, instance_uuid,
                                    console_type, time.time())
        self.limit = max_bytes - _MARKER_ROOM
        self.queue_bytes = queue_bytes
        self.started = time.monotonic()
        #: Whether nothing more is recorded (truncated or closed).
        self.stopped = False
        #: Why it was cut short (str), or None.
        self.truncated = None
        #: Bytes the file will hold once the queue is written.
        self.planned = len(self.header)
        # Payload bytes queued and written: each counter has one writer
        # (the loop, the writer thread), so no lock is needed.
        self.queued = 0
        self.drained = 0
        # Used by the writer thread only: the file's descriptor.
        self.fd = None
        self.failed = False
        # The chunk being filled (loop only): its view, the offset of the
        # next read's space, and its records not yet handed over.
        self.chunk = None
        self.fill = 0
        self.spans = _Spans()
        self._flush_timer = None
        #: Most chunks of this recording that may wait for the writer.
        self.max_chunks = max(2, queue_bytes // CHUNK_BYTES)
        # Chunks taken (by the loop) and given back (by the writer).
        self.chunks_taken = 0
        self.chunks_returned = 0

    def reserve(self):
        """Where the guest's next read goes: a writable memoryview of the
        rest of a chunk, whose first :data:`_HEAD_ROOM` bytes are for the
        frame's header; the same until :meth:`commit`. None once nothing
        more is recorded, or when no chunk may be taken (the recording is
        then truncated): the caller reads into its shared buffer.
        """
        if self.stopped:
            return None
        fill = self.fill
        if self.chunk is None or (
                CHUNK_BYTES - fill < _HEAD_ROOM + _MIN_READ_ROOM):
            if self.chunk is not None:
                self._hand_over(release=True)
            if self.chunks_taken - self.chunks_returned >= self.max_chunks:
                self.truncate(REASON_QUEUE_FULL)
                return None
            self.chunk = self.writer.pool.take()
            self.chunks_taken += 1
            self.fill = fill = 0
            writer = self.writer
            if (writer.napping and self.chunks_taken - self.chunks_returned
                    > self.max_chunks // 2):
                writer.hurry()
        return self.chunk[fill:]

    def commit(self, nbytes):
        """The guest's read of ``nbytes`` (int) landed in :meth:`reserve`'s
        space: record it (the relay has sent it from there already)."""
        if self.stopped:
            return
        planned = self.planned + RECORD_HEAD.size + nbytes
        if planned > self.limit:
            self.truncate(REASON_SIZE_LIMIT)
            return
        self.planned = planned
        self.queued += nbytes
        start = self.fill + _HEAD_ROOM
        self.fill = start + nbytes
        self.spans.append((RECORD_HEAD.pack(GUEST, self._now(), nbytes),
                           start, start + nbytes))
        if self._flush_timer is None:
            self._flush_timer = asyncio.get_running_loop().call_later(
                _FLUSH_INTERVAL, self._flush_later)

    def _flush_later(self):
        self._flush_timer = None
        if self.chunk is not None:
            self._hand_over(release=True)

    def _hand_over(self, release):
        """Give the chunk's new records, and with ``release`` the chunk
        itself (no more reads go into it), to the writer."""
        spans = self.spans
        if not spans and not release:
            return
        spans.chunk = self.chunk
        spans.release = release
        self.spans = _Spans()
        if release:
            self.chunk = None
        self.writer.put(self, spans, b'')

    def guest_bytes(self, data):
        """Record ``data`` (bytes-like, copied) sent by the guest."""
        if not self.stopped:
            self._add(GUEST, data)

    def client_bytes(self, data):
        """Record ``data`` (bytes-like, copied) sent by the client."""
        if not self.stopped:
            self._add(CLIENT, data)

    def _add(self, kind, data):
        if self.spans:
            self._hand_over(release=False)  # the guest's records first
        size = len(data)
        planned = self.planned + RECORD_HEAD.size + size
        if planned > self.limit:
            self.truncate(REASON_SIZE_LIMIT)
            return
        queued = self.queued + size
        if queued - self.drained > self.queue_bytes:
            self.truncate(REASON_QUEUE_FULL)
            return
        self.planned = planned
        self.queued = queued
        writer = self.writer
        writer.put(self, RECORD_HEAD.pack(kind, self._now(), size),
                   bytes(data))
        if writer.napping and queued - self.drained > self.queue_bytes // 2:
            writer.hurry()

    def _now(self):
        return min(int((time.monotonic() - self.started) * 1000), _MAX_MS)

    def truncate(self, reason):
        """End the recording with a :data:`TRUNCATED` marker of ``reason``.

        The session goes on; nothing more of it is recorded.
        """
        if self.stopped:
            return
        self.stopped = True
        self.truncated = reason
        if self.chunk is not None:
            self._hand_over(release=True)
        LOG.warning('Recording of console session %(path)s truncated: '
                    '%(reason)s', {'path': os.path.basename(self.path),
                                   'reason': reason})
        marker = reason.encode('ascii')
        self.queued += len(marker)
        self.writer.put(self, RECORD_HEAD.pack(TRUNCATED, self._now(),
                                               len(marker)), marker)

    def close(self):
        """The session ended: the writer closes the file once written."""
        self.stopped = True
        if self.chunk is not None:
            self._hand_over(release=True)
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        self.writer.put(self, None, b'')


class RecordingWriter(object):
    """The proxy's one thread that writes every session's recording.

    Each round takes everything queued and writes each recording's part
    with one ``writev()`` (up to :data:`_IOV_MAX` buffers), then naps
    :data:`_BATCH_INTERVAL` seconds so that the next round is a batch
    too: few system calls and thread switches, and the event loop wakes
    the thread (a lock and a system call) only when it was idle, or when
    a recording's queue is half full.

    :param directory: where recordings go (str); created (mode 0700) on
        :meth:`start`.
    """

    def __init__(self, directory):
        self.directory = directory
        self._items = collections.deque()
        self._wake = threading.Event()
        #: Whether the thread waits for work (set by it, cleared by put):
        #: put() sets the event only then, so a busy writer costs the
        #: loop no lock.
        self._sleeping = False
        #: Whether it naps between two batches (see :meth:`hurry`).
        self.napping = False
        self._stopping = False
        self._thread = None
        #: Chunks for recorded sessions' guest reads.
        self.pool = ChunkPool()

    def start(self):
        """Create the directory and start the thread.

        :raises OSError: if the directory cannot be created.
        """
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        self._thread = threading.Thread(target=self._run,
                                        name='consolehub-recorder',
                                        daemon=True)
        self._thread.start()

    def recorder(self, session_uuid, instance_uuid, console_type, max_bytes,
                 queue_bytes):
        """A new :class:`Recorder` for a session (see its parameters).

        Starts the thread with the first.

        :raises OSError: if the directory cannot be created.
        """
        if self._thread is None:
            self.start()
        return Recorder(self, session_uuid, instance_uuid, console_type,
                        max_bytes, queue_bytes)

    def put(self, recorder, head, data):
        """Queue a record (``head`` and ``data``, bytes) of ``recorder``;
        a ``head`` of None closes its file once the rest is written; a
        :class:`_Spans` ``head`` holds records of its chunk."""
        self._items.append((recorder, head, data))
        if self._sleeping:
            self._sleeping = False
            self._wake.set()

    def hurry(self):
        """End the thread's nap: a recording's queue is filling up."""
        self.napping = False
        self._wake.set()

    def stop(self, timeout=10):
        """Write what is queued, close every file and end the thread.

        :param timeout: seconds (float) to wait for the thread.
        """
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self):
        items = self._items
        while True:
            if not items:
                if self._stopping:
                    return
                # put() appends, then looks at the flag; here the flag is
                # set, then the queue looked at: one of them sees the
                # other (the timeout is a second line of defence).
                self._sleeping = True
                if not items:
                    self._wake.wait(_WAKE_INTERVAL)
                self._wake.clear()
                self._sleeping = False
                continue
            batches = {}
            closing = []
            released = []
            for _ in range(len(items)):
                recorder, head, data = items.popleft()
                if head is None:
                    closing.append(recorder)
                    continue
                buffers = batches.get(recorder)
                if buffers is None:
                    buffers = batches[recorder] = []
                if head.__class__ is _Spans:
                    chunk = head.chunk
                    for record_head, start, end in head:
                        buffers.append(record_head)
                        buffers.append(chunk[start:end])
                    if head.release:
                        released.append((recorder, chunk))
                    continue
                buffers.append(head)
                buffers.append(data)
            for recorder, buffers in batches.items():
                self._write(recorder, buffers)
            batches = buffers = None  # views of chunks, before reuse
            for recorder, chunk in released:
                recorder.chunks_returned += 1
                self.pool.give(chunk)
            for recorder in closing:
                self._close(recorder)
            if items or self._stopping:
                continue
            self.napping = True
            self._wake.wait(_BATCH_INTERVAL)
            self._wake.clear()
            self.napping = False

    def _write(self, recorder, buffers):
        payload = sum(map(len, buffers)) - RECORD_HEAD.size * (
            len(buffers) // 2)
        try:
            if recorder.failed:
                return
            if recorder.fd is None:
                # Owner-only: a recording holds everything typed.
                recorder.fd = os.open(
                    recorder.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                    0o600)
                buffers.insert(0, recorder.header)
            for start in range(0, len(buffers), _IOV_MAX):
                _write_all(recorder.fd, buffers[start:start + _IOV_MAX])
        except OSError as error:
            self._failed(recorder, error)
        finally:
            recorder.drained += payload

    def _failed(self, recorder, error):
        LOG.error('Cannot write the recording %(path)s: %(error)s; the '
                  'session goes on unrecorded',
                  {'path': recorder.path, 'error': error})
        recorder.failed = True
        recorder.stopped = True
        recorder.truncated = REASON_WRITE_FAILED
        self._close(recorder)

    @staticmethod
    def _close(recorder):
        recorder.stopped = True
        if recorder.fd is not None:
            try:
                os.close(recorder.fd)
            except OSError as error:
                LOG.error('Cannot close the recording %(path)s: %(error)s',
                          {'path': recorder.path, 'error': error})
            recorder.fd = None


def _write_all(fd, buffers):
    """``writev()`` every byte of ``buffers`` (a list of bytes) to ``fd``.

    :raises OSError: as ``os.writev``, e.g. the disk is full.
    """
    total = sum(map(len, buffers))
    written = os.writev(fd, buffers)
    if written < total:
        rest = memoryview(b''.join(buffers))[written:]
        while rest:
            rest = rest[os.write(fd, rest):]
