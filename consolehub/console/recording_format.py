"""Console session recordings: their file format, reading and purging.

Written by :mod:`consolehub.console.recorder`, read by :func:`read` and
by the replay page (``consolehub/console/web/replay.html``).

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

import json
import os
import struct
import time

from consolehub.objects import console_session as session_obj

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
