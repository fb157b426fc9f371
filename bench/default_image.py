"""Time the default guest image: its build, its size and its boot.

Builds the image with ``tools/build-default-image.sh`` into a new
temporary directory (cold: packages downloaded, nothing cached), runs the
script again (warm: the cache key matches), reports the qcow2 file size
and virtual size, then boots it ``--boots`` times under QEMU/TCG (128 MiB,
virtio disk on a 1 GiB overlay) and reports the seconds from QEMU's start
to the shell prompt on the serial port (median, fastest, slowest) and the
guest kernel's own time to starting /init (its printk time stamp). Run
from the repository root::

    python -m bench.default_image [--boots 5]
"""

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
import uuid

from tests.functional import qemu_guest


def timed_build(output):
    """Run the build script; returns (seconds, its stdout)."""
    started = time.monotonic()
    build = subprocess.run([qemu_guest.BUILD_SCRIPT, output],
                           check=True, capture_output=True, text=True)
    return time.monotonic() - started, build.stdout


def time_to_prompt(image, state_dir):
    """Seconds from QEMU's start to the shell prompt on ttyS0.

    :returns: (those seconds, the kernel's seconds to starting /init).
    """
    overlay = qemu_guest.make_overlay(image,
                                      os.path.join(state_dir, 'disk.qcow2'))
    started = time.monotonic()
    with qemu_guest.QemuGuest(overlay, state_dir,
                              str(uuid.uuid4())) as guest:
        guest.wait_for_serial(qemu_guest.PROMPT, 0, 300)
        elapsed = time.monotonic() - started
        kernel = guest.wait_for_serial(
            r'\[ *([0-9.]+)\] Run /init as init process', 0, 1)
        return elapsed, float(kernel.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--boots', type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        image = os.path.join(work, 'default.qcow2')
        cold, _ = timed_build(image)
        warm, warm_output = timed_build(image)
        assert 'up to date' in warm_output, warm_output
        info = json.loads(subprocess.run(
            [qemu_guest.QEMU_IMG, 'info', '--output=json', image],
            check=True, capture_output=True, text=True).stdout)
        print('cold build: %.1f s' % cold)
        print('warm build: %.3f s' % warm)
        print('image: %d bytes (%.1f MiB) qcow2, virtual size %d MiB'
              % (os.path.getsize(image), os.path.getsize(image) / 2.0 ** 20,
                 info['virtual-size'] // 2 ** 20))
        boots, kernel = [], []
        for number in range(args.boots):
            state_dir = os.path.join(work, 'boot-%d' % number)
            os.mkdir(state_dir)
            to_prompt, to_init = time_to_prompt(image, state_dir)
            boots.append(to_prompt)
            kernel.append(to_init)
        print('QEMU start to serial prompt over %d boots: median %.2f s,'
              ' fastest %.2f s, slowest %.2f s'
              % (len(boots), statistics.median(boots), min(boots),
                 max(boots)))
        print('kernel time to /init: median %.2f s'
              % statistics.median(kernel))


if __name__ == '__main__':
    main()
