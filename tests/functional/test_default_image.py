"""The default guest image that tools/build-default-image.sh builds.

The image is built once into ``.cache/images/`` in the repository (the
script's own cache makes later runs a no-op), then booted under QEMU/TCG
from a qcow2 overlay larger than the image, as a compute host runs it.
"""

import os
import secrets
import subprocess
import time
import uuid

import pytest

from tests.functional import qemu_guest
from tests.functional.qemu_guest import BANNER, PROMPT

BUILD_SCRIPT = qemu_guest.BUILD_SCRIPT
IMAGE_CACHE = qemu_guest.IMAGE_CACHE

pytestmark = pytest.mark.skipif(
    not os.path.exists(qemu_guest.QEMU_BINARY),
    reason='QEMU (%s) is not installed' % qemu_guest.QEMU_BINARY)

#: Seconds from QEMU's start to the shell prompt under TCG: a few seconds
#: on an idle machine, more with other tests on the same two CPUs.
BOOT_TIMEOUT = 120


def _build(output):
    return subprocess.run([BUILD_SCRIPT, output], capture_output=True,
                          text=True, timeout=900)


@pytest.fixture(scope='module')
def image():
    """The path of the built default image."""
    os.makedirs(IMAGE_CACHE, exist_ok=True)
    path = os.path.join(IMAGE_CACHE, 'default.qcow2')
    build = _build(path)
    assert build.returncode == 0, build.stdout + build.stderr
    print(build.stdout)
    return path


@pytest.fixture
def guest_uuid():
    return str(uuid.uuid4())


@pytest.fixture
def boot(image, tmp_path, guest_uuid):
    """Boots the image: ``boot(disk_interface, machine)`` -> a guest."""
    guests = []

    def boot(disk_interface='virtio', machine='pc'):
        overlay = qemu_guest.make_overlay(
            image, str(tmp_path / ('disk-%d.qcow2' % len(guests))))
        guest = qemu_guest.QemuGuest(overlay, str(tmp_path), guest_uuid,
                                     disk_interface=disk_interface,
                                     machine=machine)
        guests.append(guest)
        return guest

    yield boot
    for guest in guests:
        guest.stop()


def _wait_for_shell(guest, guest_uuid, start=0):
    """Wait for the banner on ttyS0, then the prompt after it.

    :returns: the offset in the serial output after the prompt.
    """
    banner = guest.wait_for_serial(
        BANNER % (guest_uuid, '/dev/ttyS0'), start, BOOT_TIMEOUT)
    return guest.wait_for_serial(PROMPT, banner.end(), 30).end()


def test_second_build_is_a_quick_no_op(image):
    before = os.stat(image)
    started = time.monotonic()
    build = _build(image)
    elapsed = time.monotonic() - started
    assert build.returncode == 0, build.stderr
    assert build.stdout.strip() == '%s is up to date' % image
    assert os.stat(image).st_ino == before.st_ino
    assert os.stat(image).st_mtime_ns == before.st_mtime_ns
    # Well under a second on an idle machine; the bound allows for others.
    assert elapsed < 5, elapsed
    with open(image + '.key') as key:
        key_lines = key.read().splitlines()
    assert any(line.startswith('linux-image-') and
               line.split()[0].endswith('-cloud-amd64')
               for line in key_lines), key_lines
    assert any(line.startswith('busybox-static ') for line in key_lines)


def test_build_without_output_shows_usage():
    build = subprocess.run([BUILD_SCRIPT], capture_output=True, text=True)
    assert build.returncode == 2
    assert 'usage:' in build.stderr


def test_build_into_missing_directory_fails_clearly(tmp_path):
    output = str(tmp_path / 'missing' / 'image.qcow2')
    build = _build(output)
    assert build.returncode == 1
    assert 'does not exist' in build.stderr
    assert not os.path.exists(output)


def test_image_is_a_small_qcow2(image):
    info = subprocess.run(
        [qemu_guest.QEMU_IMG, 'info', '--output=json', image],
        check=True, capture_output=True, text=True).stdout
    assert '"format": "qcow2"' in info
    assert os.path.getsize(image) < 32 * 1024 * 1024


def test_shell_on_serial_and_vga_with_banner(boot, guest_uuid):
    guest = boot()
    prompt_end = _wait_for_shell(guest, guest_uuid)
    word = 'word-' + secrets.token_hex(6)
    guest.type('echo %s' % word)
    # The echo of the typed line, then the command's output on its own line.
    echoed = guest.wait_for_serial(r'\n%s\r?\n' % word, prompt_end, 30)
    # init respawns the shell, banner first, when it exits.
    guest.type('exit')
    _wait_for_shell(guest, guest_uuid, echoed.end())

    # tty1 is the VGA console: its own banner and shell.
    screen = guest.wait_for_vga_text(BANNER % (guest_uuid, '/dev/tty1'))
    assert PROMPT in screen.split(BANNER % (guest_uuid, '/dev/tty1'))[1]

    from PIL import Image
    with Image.open(guest.screendump()) as screenshot:
        grey = screenshot.convert('L')
        width, height = grey.size
        lit = sum(grey.histogram()[128:]) / float(width * height)
    # Text mode 80x25 at 9x16 pixels; lines of text, not a blank screen.
    assert (width, height) == (720, 400)
    assert lit > 0.01, lit


def test_power_button_powers_off(boot, guest_uuid):
    guest = boot()
    _wait_for_shell(guest, guest_uuid)
    guest.qmp('system_powerdown')
    assert guest.wait_for_exit(60) == 0
    assert 'reboot: Power down' in guest.serial_text


def test_reboot_then_poweroff_typed_in_the_shell(boot, guest_uuid):
    guest = boot()
    prompt_end = _wait_for_shell(guest, guest_uuid)
    guest.type('reboot')
    # The kernel starts again, then the banner shows a second time.
    restart = guest.wait_for_serial(r'Linux version', prompt_end,
                                    BOOT_TIMEOUT)
    prompt_end = _wait_for_shell(guest, guest_uuid, restart.end())
    guest.type('poweroff')
    assert guest.wait_for_exit(60) == 0
    assert guest.serial_text.count(
        BANNER % (guest_uuid, '/dev/ttyS0')) == 2


def test_boots_from_a_sata_disk(boot, guest_uuid):
    # SATA (AHCI) on the q35 machine. PIIX IDE on the pc machine boots as
    # well, but SeaBIOS reads the kernel from it by programmed I/O, which
    # takes some 40 s under TCG; AHCI and virtio-blk take under a second.
    guest = boot(disk_interface='ide', machine='q35')
    _wait_for_shell(guest, guest_uuid)
