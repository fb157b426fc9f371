"""The image file store: one file per image under ``[image] store_path``.

As Glance's filesystem store, a file is named by its image's id. Data
arrives in a hidden temporary file beside it (``.<id>.<random>.part``),
is hashed and inspected on the way, and only a complete, verified file
is renamed to its name, so a reader never sees a partial image and a
failed upload leaves nothing behind.
"""

import collections
import errno
import hashlib
import os
import queue
import tempfile
import threading

from consolehub.conf import CONF
from consolehub import exception
from consolehub.image import inspection

#: Bytes read and written at a time.
CHUNK_SIZE = 1024 * 1024

#: What :func:`receive` learnt of a file: where it waits, its size in
#: bytes, its MD5 (Glance's ``checksum``), its SHA-512 (``os_hash_value``)
#: and its disk's virtual size in bytes.
Received = collections.namedtuple(
    'Received', ['temp_path', 'size', 'checksum', 'os_hash_value',
                 'virtual_size'])


def image_path(image_uuid):
    """The path of the file of image ``image_uuid``."""
    return os.path.join(CONF.image.store_path, image_uuid)


class BoundedReader(object):
    """Reads a request body of ``expected_size`` bytes (None: until EOF)
    from ``source``, never more than ``limit`` bytes.

    :raises ImageTooLarge: when more than ``limit`` bytes arrive.
    :raises ImageUploadIncomplete: when the body ends early or the
        connection fails.
    """

    def __init__(self, source, expected_size, limit):
        self._source = source
        self._expected = expected_size
        self._limit = limit
        self.received = 0

    def read(self, size):
        if self._expected is not None:
            size = min(size, self._expected - self.received)
            if size <= 0:
                return b''
        else:
            # One byte past the limit tells a long body from an exact one.
            size = min(size, self._limit + 1 - self.received)
        try:
            chunk = self._source.read(size)
        except OSError as error:
            raise self._incomplete() from error
        if not chunk and self._expected is not None:
            raise self._incomplete()
        self.received += len(chunk)
        if self.received > self._limit:
            raise exception.ImageTooLarge(limit=self._limit)
        return chunk

    def _incomplete(self):
        if self._expected is None:
            return exception.ImageUploadIncomplete(
                'The image data broke off after %d bytes; nothing was '
                'stored.' % self.received)
        return exception.ImageUploadIncomplete(received=self.received,
                                               expected=self._expected)


class _Digest(threading.Thread):
    """A hash computed in its own thread from chunks queued to it.

    hashlib releases the GIL on large updates, so MD5 and SHA-512 of an
    upload run beside each other and beside the socket reads and file
    writes: each alone is slower than the network on loopback. At most
    :data:`_QUEUED_CHUNKS` chunks wait, so memory stays bounded.
    """

    def __init__(self, digest):
        super().__init__(name='image-digest', daemon=True)
        self.digest = digest
        self._chunks = queue.Queue(maxsize=_QUEUED_CHUNKS)

    def run(self):
        while True:
            chunk = self._chunks.get()
            if chunk is None:
                return
            self.digest.update(chunk)

    def update(self, chunk):
        self._chunks.put(chunk)

    def hexdigest(self):
        """The digest, once every queued chunk is hashed."""
        self.finish()
        return self.digest.hexdigest()

    def finish(self):
        if self.is_alive():
            self._chunks.put(None)
            self.join()


#: Chunks a :class:`_Digest` may have waiting.
_QUEUED_CHUNKS = 4


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def receive(image_uuid, reader, disk_format):
    """Store what ``reader`` gives in a temporary file of the store.

    :param reader: an object with ``read(size)`` returning ``b''`` at the
        end, e.g. a :class:`BoundedReader`.
    :param disk_format: the format the image declares; the content must
        be of it (:func:`consolehub.image.inspection.verify`).
    :returns: a :class:`Received`; pass it to :func:`commit` or
        :func:`discard`.
    :raises ImageDataInvalid: the content is refused; nothing is kept.
    :raises ImageStoreFull: the store's file system is full.
    Any error of ``reader`` passes through, the temporary file removed.
    """
    os.makedirs(CONF.image.store_path, exist_ok=True)
    fd, temp_path = tempfile.mkstemp(prefix='.%s.' % image_uuid,
                                     suffix='.part',
                                     dir=CONF.image.store_path)
    md5 = _Digest(hashlib.md5(usedforsecurity=False))
    sha512 = _Digest(hashlib.sha512())
    md5.start()
    sha512.start()
    try:
        size = 0
        inspected = inspection.inspecting_reader(reader)
        with os.fdopen(fd, 'wb') as output:
            while True:
                chunk = inspected.read(CHUNK_SIZE)
                if not chunk:
                    break
                md5.update(chunk)
                sha512.update(chunk)
                output.write(chunk)
                size += len(chunk)
            output.flush()
            # Durable before the image is called active.
            os.fsync(output.fileno())
        virtual_size = inspection.verify(inspected, disk_format)
    except OSError as error:
        _remove(temp_path)
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise exception.ImageStoreFull(reason=error.strerror)
        raise
    except BaseException:
        _remove(temp_path)
        raise
    finally:
        md5.finish()
        sha512.finish()
    return Received(temp_path, size, md5.hexdigest(), sha512.hexdigest(),
                    virtual_size)


def commit(received, image_uuid):
    """Give the received file its image's name (atomically)."""
    os.rename(received.temp_path, image_path(image_uuid))


def discard(received):
    """Remove a received file that will not be kept."""
    _remove(received.temp_path)


def delete(image_uuid):
    """Remove the file of ``image_uuid``; a missing file is no error."""
    _remove(image_path(image_uuid))


def chunks(image_uuid, chunk_size=CHUNK_SIZE):
    """The file of ``image_uuid`` in chunks (a generator of bytes).

    The file is opened at once, so a deletion while it is read does not
    cut the download short.

    :raises ImageNotFound: the image has no file.
    """
    try:
        data = open(image_path(image_uuid), 'rb')
    except FileNotFoundError:
        raise exception.ImageNotFound(image_id=image_uuid)

    def generate():
        with data:
            while True:
                chunk = data.read(chunk_size)
                if not chunk:
                    return
                yield chunk
    return generate()
