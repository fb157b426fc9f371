"""Serial port logs: reading their end and keeping them bounded while a
writer appends, on a file system with FALLOC_FL_COLLAPSE_RANGE (ext4 or
XFS, where tmp_path lives here) and on tmpfs, which has none."""

import os
import tempfile
import threading

import pytest

from consolehub.virt.libvirt import console_log

SHM = '/dev/shm'


def _can_collapse(directory):
    path = os.path.join(directory, 'probe.log')
    with open(path, 'wb') as probe:
        probe.write(b'x' * 65536)
    fd = os.open(path, os.O_RDWR)
    try:
        return console_log._collapse(fd, 4096)
    finally:
        os.close(fd)
        os.unlink(path)


@pytest.fixture(params=['disk', 'tmpfs'])
def log_dir(request, tmp_path, conf_fixture):
    if request.param == 'disk':
        directory = str(tmp_path)
        if not _can_collapse(directory):
            pytest.skip('%s cannot collapse ranges' % directory)
    else:
        if not os.path.isdir(SHM):
            pytest.skip('no tmpfs at %s' % SHM)
        directory = tempfile.mkdtemp(dir=SHM)
        request.addfinalizer(lambda: _rmtree(directory))
    conf_fixture.config(log_dir=directory, group='serial_console')
    return directory


def _rmtree(directory):
    for name in os.listdir(directory):
        os.unlink(os.path.join(directory, name))
    os.rmdir(directory)


def _lines(first, count):
    return b''.join(b'line %08d\n' % n for n in range(first, first + count))


def test_trim_keeps_the_newest_output_within_the_bound(log_dir):
    path = console_log.prepare('a')
    with open(path, 'ab') as log:
        log.write(_lines(0, 20000))  # 280000 bytes
    dropped = console_log.trim(path, 65536)
    assert dropped >= 280000 - 65536
    data = open(path, 'rb').read()
    assert len(data) <= 65536
    assert len(data) == 280000 - dropped
    # The newest line is intact at the end; only old ones went.
    assert data.endswith(b'line 00019999\n')
    assert console_log.trim(path, 65536) == 0


def test_trim_while_a_writer_appends_loses_nothing_new(log_dir):
    """QEMU keeps its O_APPEND descriptor: lines written during trims
    all arrive, in order, after whatever was kept."""
    path = console_log.prepare('b')
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    trims = []
    written = []

    def writer():
        # Until at least 20 trims dropped something while it wrote.
        number = 0
        while (number < 20000 or len(trims) < 20) and number < 2000000:
            os.write(fd, b'line %08d\n' % number)
            written.append(number)
            number += 1

    thread = threading.Thread(target=writer)
    thread.start()
    while thread.is_alive():
        if console_log.trim(path, 65536):
            trims.append(True)
    thread.join()
    # A line written after the trims is the newest, whatever they did.
    os.write(fd, b'line %08d\n' % (written[-1] + 1))
    written.append(written[-1] + 1)
    os.close(fd)
    assert len(trims) >= 20
    console_log.trim(path, 65536)
    data = open(path, 'rb').read()
    assert len(data) <= 65536
    assert data.endswith(b'line %08d\n' % written[-1])
    if log_dir.startswith(SHM):
        # Copy and truncate: what was written during a trim may be lost
        # or out of order.
        return
    lines = data.split(b'\n')[1:-1]  # the first may be cut in two
    numbers = [int(line.split()[1]) for line in lines]
    assert numbers == list(range(numbers[0], written[-1] + 1))


def test_read_tail_returns_the_end_or_nothing(log_dir):
    path = console_log.prepare('c')
    assert console_log.read_tail(path, 100) == b''
    with open(path, 'wb') as log:
        log.write(b'0123456789')
    assert console_log.read_tail(path, 4) == b'6789'
    assert console_log.read_tail(path, 100) == b'0123456789'


def test_trim_all_and_remove(log_dir):
    for name in ('d', 'e'):
        with open(console_log.prepare(name), 'wb') as log:
            log.write(_lines(0, 10000))
    assert sorted(console_log.instance_uuids()) == ['d', 'e']
    assert console_log.trim_all(65536) > 2 * (140000 - 65536) - 1
    console_log.remove('d')
    console_log.remove('d')  # a missing log is no error
    assert console_log.instance_uuids() == ['e']
