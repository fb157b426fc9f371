"""Instance disks from images, on a compute host, with qemu-img.

Each image an instance boots is copied once into ``[image] cache_path``
(Nova's ``_base``), its hash checked against the one the image service
recorded at upload, so a copy that changed on the way or at rest is never
booted. Each instance then gets its own qcow2 overlay of that copy in
``[compute] instances_path``/``<uuid>``/``disk``: the guest's writes go
to the overlay, the cached copy stays shared and unchanged, and the
overlay is as large as the instance's root disk (``qemu-img create -b
BASE -F FORMAT``, QEMU's qemu-img documentation). The backing format is
always named, so QEMU never probes it.
"""

import hashlib
import os
import shutil
import tempfile

from oslo_concurrency import lockutils
from oslo_concurrency import processutils
from oslo_log import log as logging

from consolehub.conf import CONF
from consolehub import exception

LOG = logging.getLogger(__name__)

QEMU_IMG = 'qemu-img'

#: Bytes copied at a time.
CHUNK_SIZE = 1024 * 1024

#: Hashes a cached copy may be checked with (``os_hash_algo``).
HASH_ALGORITHMS = ('sha256', 'sha384', 'sha512')

#: Bytes in a GiB (a root disk's unit).
GiB = 1024 ** 3


def cached_image_path(image_id):
    """Where the verified copy of image ``image_id`` is cached."""
    return os.path.join(CONF.image.cache_path, image_id)


def instance_dir(instance_uuid):
    """The directory of an instance's files on this host."""
    return os.path.join(CONF.compute.instances_path, instance_uuid)


def instance_disk_path(instance_uuid):
    """The path of an instance's root disk (a qcow2 overlay)."""
    return os.path.join(instance_dir(instance_uuid), 'disk')


def _qemu_img(*args):
    try:
        processutils.execute(QEMU_IMG, *args)
    except processutils.ProcessExecutionError as error:
        raise exception.HypervisorError(
            reason='qemu-img %s failed: %s' % (args[0],
                                               error.stderr.strip()))


def _copy_verified(image, temp_path):
    """Copy the image's file to ``temp_path``; raise ImageCacheError
    unless its size and hash are the recorded ones."""
    if image.os_hash_algo not in HASH_ALGORITHMS:
        raise exception.ImageCacheError(
            image_id=image.id,
            reason='its hash algorithm %r is not one of %s'
                   % (image.os_hash_algo, ', '.join(HASH_ALGORITHMS)))
    digest = hashlib.new(image.os_hash_algo)
    size = 0
    try:
        with open(image.path, 'rb') as source, \
                open(temp_path, 'wb') as target:
            while True:
                chunk = source.read(CHUNK_SIZE)
                if not chunk:
                    break
                digest.update(chunk)
                target.write(chunk)
                size += len(chunk)
            target.flush()
            os.fsync(target.fileno())
    except OSError as error:
        raise exception.ImageCacheError(
            image_id=image.id, reason='copying %s failed: %s'
                                      % (image.path, error))
    if size != image.size or digest.hexdigest() != image.os_hash_value:
        raise exception.ImageCacheError(
            image_id=image.id,
            reason='the copy of %s does not match the image: %d bytes '
                   'with %s %s, the image has %d bytes and %s'
                   % (image.path, size, image.os_hash_algo,
                      digest.hexdigest(), image.size, image.os_hash_value))


def fetch_to_cache(image):
    """The cached, verified copy of ``image``, made on first use.

    Concurrent builds of the same image, in this agent or another
    sharing the cache, wait for one copy (a file lock in the cache).

    :param image: a :class:`consolehub.virt.driver.ImageSource`.
    :returns: the copy's path.
    :raises ImageCacheError: the file cannot be read or does not match
        its recorded size and hash; nothing is cached.
    """
    cache_dir = CONF.image.cache_path
    os.makedirs(cache_dir, exist_ok=True)
    path = cached_image_path(image.id)
    with lockutils.lock('image-%s' % image.id, lock_file_prefix='cache-',
                        external=True, lock_path=cache_dir):
        if os.path.exists(path):
            return path
        fd, temp_path = tempfile.mkstemp(prefix='.%s.' % image.id,
                                         suffix='.part', dir=cache_dir)
        os.close(fd)
        try:
            _copy_verified(image, temp_path)
            os.chmod(temp_path, 0o644)
            os.rename(temp_path, path)
        except BaseException:
            os.unlink(temp_path)
            raise
    LOG.info('Cached image %s (%d bytes, %s verified)', image.id,
             image.size, image.os_hash_algo)
    return path


def create_instance_disk(instance_uuid, image, root_gb):
    """Give an instance its root disk: a qcow2 overlay of the cached
    copy of ``image``, ``root_gb`` GiB large.

    :returns: the disk's path.
    :raises ImageCacheError, HypervisorError: nothing is left behind.
    """
    base = fetch_to_cache(image)
    os.makedirs(instance_dir(instance_uuid), exist_ok=True)
    disk = instance_disk_path(instance_uuid)
    try:
        _qemu_img('create', '-q', '-f', 'qcow2', '-b', base, '-F',
                  image.disk_format, disk, str(root_gb * GiB))
    except BaseException:
        remove_instance_files(instance_uuid)
        raise
    return disk


def remove_instance_files(instance_uuid):
    """Remove an instance's directory and disk; none is no error."""
    shutil.rmtree(instance_dir(instance_uuid), ignore_errors=True)


def flatten(disk, target_path):
    """Write ``disk`` and its backing chain as one qcow2 file.

    ``-U`` reads a disk a (paused) QEMU holds open.

    :raises HypervisorError: nothing is left at ``target_path``.
    """
    try:
        _qemu_img('convert', '-U', '-f', 'qcow2', '-O', 'qcow2', disk,
                  target_path)
    except BaseException:
        if os.path.exists(target_path):
            os.unlink(target_path)
        raise
