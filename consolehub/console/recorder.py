"""Console session recordings: one file per session, written off the hot path.

A recorded session's bytes both ways go, with the time they passed, to
``[console] record_directory``/``<session uuid>.rec`` on the proxy's host.
The relay hands each read to :meth:`Recorder.guest_bytes` or
:meth:`Recorder.client_bytes`, which only queue it (one ``bytes`` copy of
a guest read, which lives in the shared read buffer); one
:class:`RecordingWriter` thread per proxy writes the queues of every
session. So a slow disk never slows a session: a recording whose queue
holds more than ``[console] record_queue_bytes`` ends with a truncation
marker, and so does one that reaches ``[console] record_max_bytes``; the
session goes on unrecorded either way. A session that is not recorded
costs the relay one ``None`` test per read.

The file format (version 1; all integers big-endian):

* ``b'CONSREC1'`` (8 bytes), then a header: its length (unsigned 16 bits)
  and a JSON object in UTF-8 with ``session``, ``instance`` (UUIDs),
  ``console_type`` (``novnc``, ``spice-html5`` or ``serial``) and
  ``started_at`` (seconds since the epoch, float);
* then records, in order: a 9-byte head ``!BII`` -- the kind, the time in
  milliseconds since the recording started (``time.monotonic()``), the
  payload's length in bytes -- and the payload. Kinds:
  :data:`GUEST` (0, bytes from the guest to the client: for ``novnc``
  the RFB server's stream from its ProtocolVersion on, RFC 6143),
  :data:`CLIENT` (1, bytes from the client to the guest: keys typed,
  pointer events) and :data:`TRUNCATED` (2, the last record of a
  recording cut short; its payload says why in ASCII, e.g. ``size
  limit`` or ``queue full``).

The bytes are websocket payloads: what the guest's console and the
browser exchanged, without websocket framing. The replay page
(``consolehub/console/web/replay.html``) reads this format; :func:`read`
is its Python reader.
"""

import collections
import json
import os
import struct
import threading
import time

from oslo_log import log as logging

from consolehub.objects import console_session as session_obj

LOG = logging.getLogger(__name__)

MAGIC = b'CONSREC1'
#: Record kinds.
GUEST = 0
CLIENT = 1
TRUNCATED = 2
#: A record's head: kind, milliseconds since the start, payload length.
RECORD_HEAD = struct.Struct('!BII')
_HEADER_LENGTH = struct.Struct('!H')
#: File name suffix of a recording.
SUFFIX = session_obj.RECORDING_SUFFIX
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


class FormatError(ValueError):
    """A file that is not a recording, or is cut inside a record."""


def path_for(directory, session_uuid):
    """The recording file of a session (str), in ``directory``."""
    return session_obj.recording_path(session_uuid, directory)


def encode_header(session_uuid, instance_uuid, console_type, started_at):
    """The file's first bytes: magic, header length and JSON header."""
    header = json.dumps({'session': session_uuid, 'instance': instance_uuid,
                         'console_type': console_type,
                         'started_at': started_at},
                        sort_keys=True).encode('utf-8')
    return MAGIC + _HEADER_LENGTH.pack(len(header)) + header


def read(stream):
    """Parse a recording from a binary file object.

    :returns: ``(header dict, list of (kind, ms, bytes))``.
    :raises FormatError: not a recording, or cut inside a record (a
        recording still being written may end that way).
    """
    if stream.read(len(MAGIC)) != MAGIC:
        raise FormatError('not a console recording')
    length = stream.read(_HEADER_LENGTH.size)
    if len(length) != _HEADER_LENGTH.size:
        raise FormatError('cut header')
    header_bytes = stream.read(_HEADER_LENGTH.unpack(length)[0])
    try:
        header = json.loads(header_bytes.decode('utf-8'))
    except ValueError as error:
        raise FormatError('bad header: %s' % error) from error
    records = []
    while True:
        head = stream.read(RECORD_HEAD.size)
        if not head:
            return header, records
        if len(head) != RECORD_HEAD.size:
            raise FormatError('cut record head')
        kind, stamp, size = RECORD_HEAD.unpack(head)
        payload = stream.read(size)
        if len(payload) != size:
            raise FormatError('cut record')
        records.append((kind, stamp, payload))


class Recorder(object):
    """One session's recording: a bounded queue drained by the writer.

    Called from the event loop only; the writer thread reads the queue.

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

    def guest_bytes(self, data):
        """Record ``data`` (bytes-like, copied) sent by the guest."""
        if not self.stopped:
            self._add(GUEST, data)

    def client_bytes(self, data):
        """Record ``data`` (bytes-like, copied) sent by the client."""
        if not self.stopped:
            self._add(CLIENT, data)

    def _add(self, kind, data):
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
        a ``head`` of None closes its file once the rest is written."""
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
            for _ in range(len(items)):
                recorder, head, data = items.popleft()
                if head is None:
                    closing.append(recorder)
                    continue
                buffers = batches.get(recorder)
                if buffers is None:
                    buffers = batches[recorder] = []
                buffers.append(head)
                buffers.append(data)
            for recorder, buffers in batches.items():
                self._write(recorder, buffers)
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


def purge(directory, retention, now=None):
    """Delete recordings last written more than ``retention`` seconds ago.

    Blocking (run it in a thread). Only regular files named
    ``*.rec`` directly in ``directory`` are looked at.

    :param retention: seconds (int); 0 keeps everything.
    :param now: seconds since the epoch (float), for tests.
    :returns: how many files went (int).
    """
    if not retention:
        return 0
    cut_off = (time.time() if now is None else now) - retention
    count = 0
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return 0
    for entry in entries:
        if not entry.name.endswith(SUFFIX):
            continue
        try:
            if (entry.is_file(follow_symlinks=False) and
                    entry.stat(follow_symlinks=False).st_mtime < cut_off):
                os.unlink(entry.path)
                count += 1
        except FileNotFoundError:
            continue
    return count
