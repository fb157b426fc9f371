"""A guest's serial port log on its compute host: where it is, reading
its end, and keeping it within ``[serial_console] log_max_bytes``.

QEMU appends to the log itself (libvirt passes it the file opened with
``O_APPEND``, see :func:`consolehub.virt.libvirt.config.guest_xml`), so
the file keeps growing while the guest writes and nothing here may move
or reopen it. Bounding it therefore removes its head in place: Linux's
``fallocate(FALLOC_FL_COLLAPSE_RANGE)`` (fallocate(2); ext4 and XFS)
drops whole blocks from the start while QEMU keeps appending at the end,
losing nothing written meanwhile. On file systems without it the head
is dropped by copying the end and truncating (logrotate's
``copytruncate``), which can lose or misplace what the guest writes in
the microseconds between the two.

The libvirt embedded driver has no virtlogd to do this; a later serial
fan-out component may take the log over, which is why the compute
driver's ``get_console_output`` only promises bytes of the log's end.
"""

import ctypes
import errno
import os

from oslo_log import log as logging

from consolehub.conf import CONF

LOG = logging.getLogger(__name__)

#: <linux/falloc.h>
FALLOC_FL_COLLAPSE_RANGE = 0x08

_LIBC = ctypes.CDLL(None, use_errno=True)
_LIBC.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64,
                            ctypes.c_int64]
_LIBC.fallocate.restype = ctypes.c_int

SUFFIX = '.log'


def path(instance_uuid):
    """The log file of ``instance_uuid`` (str path; may not exist)."""
    return os.path.join(CONF.serial_console.log_dir,
                        instance_uuid + SUFFIX)


def prepare(instance_uuid):
    """Make the log directory if needed; returns the log's path."""
    os.makedirs(CONF.serial_console.log_dir, mode=0o750, exist_ok=True)
    return path(instance_uuid)


def read_tail(log_path, max_bytes):
    """The last ``max_bytes`` bytes of the log (bytes; b'' if none)."""
    try:
        with open(log_path, 'rb') as log_file:
            size = os.fstat(log_file.fileno()).st_size
            log_file.seek(max(0, size - max_bytes))
            return log_file.read(max_bytes)
    except FileNotFoundError:
        return b''


def remove(instance_uuid):
    """Remove the log of ``instance_uuid``; a missing one is no error."""
    try:
        os.unlink(path(instance_uuid))
    except FileNotFoundError:
        pass


def instance_uuids():
    """UUIDs of the instances that have a log here (list of str)."""
    try:
        names = os.listdir(CONF.serial_console.log_dir)
    except FileNotFoundError:
        return []
    return [name[:-len(SUFFIX)] for name in names if name.endswith(SUFFIX)]


def _collapse(fd, length):
    """Remove the first ``length`` bytes in place; False if the file
    system cannot."""
    if _LIBC.fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, length) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
        return False
    raise OSError(error, os.strerror(error))


def _copy_truncate(fd, keep):
    """Keep the last ``keep`` bytes by copying them to the start."""
    size = os.fstat(fd).st_size
    tail = os.pread(fd, keep, max(0, size - keep))
    os.ftruncate(fd, 0)
    os.pwrite(fd, tail, 0)


def trim(log_path, max_bytes):
    """Drop the oldest output so the log holds at most ``max_bytes``.

    :returns: bytes dropped (int), 0 if the log was small enough or is
        missing.
    """
    try:
        fd = os.open(log_path, os.O_RDWR)
    except FileNotFoundError:
        return 0
    try:
        stat = os.fstat(fd)
        excess = stat.st_size - max_bytes
        if excess <= 0:
            return 0
        # Whole blocks, as the file system requires, and never the end.
        block = stat.st_blksize or 4096
        length = -(-excess // block) * block
        if length < stat.st_size and _collapse(fd, length):
            return length
        _copy_truncate(fd, max_bytes)
        return excess
    finally:
        os.close(fd)


def trim_all(max_bytes):
    """:func:`trim` every log of this host; returns bytes dropped."""
    dropped = 0
    for instance_uuid in instance_uuids():
        try:
            dropped += trim(path(instance_uuid), max_bytes)
        except OSError as error:
            LOG.warning('Cannot trim the console log of %s: %s',
                        instance_uuid, error)
    return dropped
