"""A QEMU guest run straight from a disk image, for the image tests.

:class:`QemuGuest` starts ``qemu-system-x86_64`` under TCG with the
guest's first serial port on QEMU's stdin/stdout pipes and a QMP socket
(QEMU Machine Protocol, docs/interop/qmp-spec in QEMU's tree) for the
power button, screen dumps and guest memory. Every wait has a deadline.
"""

import json
import os
import re
import socket
import subprocess
import threading
import time

QEMU_BINARY = '/usr/bin/qemu-system-x86_64'
REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
#: The default image's builder, and where the tests cache its output.
BUILD_SCRIPT = os.path.join(REPOSITORY, 'tools', 'build-default-image.sh')
IMAGE_CACHE = os.path.join(REPOSITORY, '.cache', 'images')
QEMU_IMG = '/usr/bin/qemu-img'

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUILD_SCRIPT = os.path.join(REPOSITORY, 'tools', 'build-default-image.sh')
#: Where tools/build-default-image.sh caches the default image (as
#: tools/run-all-in-one.sh does).
DEFAULT_IMAGE = os.path.join(REPOSITORY, '.cache', 'images', 'default.qcow2')

#: What the default image prints before each shell: its banner, with the
#: DMI product UUID and the tty.
BANNER = 'consolehub guest %s on %s'
#: The default image's shell prompt (root in /root).
PROMPT = 'root@consolehub-guest:~# '

#: The VGA text buffer: 32 KiB from 0xb8000, character and attribute byte
#: per cell; the Linux VGA console scrolls within it.
VGA_TEXT_ADDRESS = 0xb8000
VGA_TEXT_BYTES = 32 * 1024


def build_default_image(output=DEFAULT_IMAGE):
    """Build the default image into ``output`` (the script's cache makes
    this quick once built); returns the finished process."""
    os.makedirs(os.path.dirname(output), exist_ok=True)
    return subprocess.run([BUILD_SCRIPT, output], capture_output=True,
                          text=True, timeout=900)


def make_overlay(image, path, size='1G'):
    """Create a qcow2 overlay of ``image`` at ``path``, ``size`` large.

    As a compute host does for an instance: the guest writes to the
    overlay, and its disk is larger than the image.
    """
    subprocess.run([QEMU_IMG, 'create', '-q', '-f', 'qcow2', '-b', image,
                    '-F', 'qcow2', path, size], check=True)
    return path


class QemuGuest(object):
    """A running QEMU guest booting ``disk`` (a qcow2 file).

    :param disk: path of the qcow2 disk.
    :param state_dir: a directory for the QMP socket and screen dumps.
    :param uuid: the machine UUID (``-uuid``; SMBIOS product UUID).
    :param disk_interface: ``-drive if=`` value: ``virtio`` or ``ide``
        (PIIX IDE on the ``pc`` machine, AHCI SATA on ``q35``).
    :param memory_mib: guest memory in MiB.
    :param machine: QEMU machine type, ``pc`` (i440FX) or ``q35``.
    """

    def __init__(self, disk, state_dir, uuid, disk_interface='virtio',
                 memory_mib=128, machine='pc'):
        self.state_dir = state_dir
        self.qmp_path = os.path.join(state_dir, 'qmp.sock')
        self._output = bytearray()
        self._output_changed = threading.Condition()
        self.process = subprocess.Popen(
            [QEMU_BINARY, '-machine', machine, '-accel', 'tcg',
             '-m', str(memory_mib),
             '-nographic', '-uuid', uuid,
             '-drive', 'file=%s,format=qcow2,if=%s' % (disk, disk_interface),
             '-serial', 'stdio', '-monitor', 'none',
             '-qmp', 'unix:%s,server=on,wait=off' % self.qmp_path,
             '-nic', 'none'],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT)
        self._reader = threading.Thread(target=self._read_serial,
                                        daemon=True)
        self._reader.start()
        self._qmp = None

    def _read_serial(self):
        while True:
            chunk = os.read(self.process.stdout.fileno(), 65536)
            with self._output_changed:
                if not chunk:
                    self._output_changed.notify_all()
                    return
                self._output += chunk
                self._output_changed.notify_all()

    @property
    def serial_text(self):
        """All the serial output so far, decoded (str)."""
        with self._output_changed:
            return self._output.decode('utf-8', 'replace')

    def wait_for_serial(self, pattern, start=0, timeout=60.0):
        """Wait until the serial output from ``start`` matches ``pattern``.

        :param pattern: a regular expression (str).
        :param start: an offset in :attr:`serial_text` to search from.
        :param timeout: seconds.
        :returns: the ``re.Match`` on :attr:`serial_text`.
        :raises AssertionError: on timeout or if QEMU exits first, with the
            end of the output.
        """
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._output_changed:
            while True:
                text = self._output.decode('utf-8', 'replace')
                match = regex.search(text, start)
                if match:
                    return match
                remaining = deadline - time.monotonic()
                assert remaining > 0 and self._reader.is_alive(), (
                    'no %r on the serial port within %s s; its end:\n%s'
                    % (pattern, timeout, text[-2000:]))
                self._output_changed.wait(remaining)

    def type(self, line):
        """Type ``line`` and Enter on the serial console."""
        self.process.stdin.write(line.encode() + b'\r')
        self.process.stdin.flush()

    def qmp(self, command, **arguments):
        """Run a QMP command; returns its ``return`` value.

        :raises RuntimeError: if QEMU answers with an error.
        """
        if self._qmp is None:
            self._qmp = socket.socket(socket.AF_UNIX)
            self._qmp.settimeout(30)
            self._qmp.connect(self.qmp_path)
            self._qmp_lines = self._qmp.makefile('rb')
            self._qmp_lines.readline()  # the greeting
            self.qmp('qmp_capabilities')
        request = {'execute': command}
        if arguments:
            request['arguments'] = arguments
        self._qmp.sendall(json.dumps(request).encode() + b'\n')
        while True:
            reply = json.loads(self._qmp_lines.readline())
            if 'error' in reply:
                raise RuntimeError('QMP %s: %s' % (command, reply['error']))
            if 'return' in reply:
                return reply['return']
            # Anything else is an asynchronous event; not waited for here.

    def vga_text(self):
        """The characters in the VGA text buffer (str, cells in order)."""
        path = os.path.join(self.state_dir, 'vga-text.bin')
        self.qmp('pmemsave', val=VGA_TEXT_ADDRESS, size=VGA_TEXT_BYTES,
                 filename=path)
        with open(path, 'rb') as dump:
            return dump.read()[0::2].decode('cp437')

    def wait_for_vga_text(self, text, timeout=30.0):
        """Wait until the VGA text buffer contains ``text`` (str).

        :raises AssertionError: on timeout, with the buffer's contents.
        """
        deadline = time.monotonic() + timeout
        while True:
            screen = self.vga_text()
            if text in screen:
                return screen
            assert time.monotonic() < deadline, (
                'no %r on the VGA console within %s s; it shows:\n%s'
                % (text, timeout, screen.strip()))
            time.sleep(0.2)

    def screendump(self, name='screen.ppm'):
        """Dump the display to a PPM file; returns its path."""
        path = os.path.join(self.state_dir, name)
        self.qmp('screendump', filename=path)
        return path

    def wait_for_exit(self, timeout=60.0):
        """Wait until QEMU exits; returns its exit status.

        :raises AssertionError: if it still runs after ``timeout`` seconds.
        """
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                'QEMU still runs %s s later; the serial output ends:\n%s'
                % (timeout, self.serial_text[-2000:]))

    def stop(self):
        """Kill QEMU if it still runs and release the pipes and socket."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._reader.join(10)
        if self._qmp is not None:
            self._qmp_lines.close()
            self._qmp.close()
        self.process.stdin.close()
        self.process.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()
