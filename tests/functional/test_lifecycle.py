"""Power actions end to end on real QEMU guests booting a real OS.

``consolehub-all`` runs with serial consoles on and
:class:`tests.lifecycle_drivers.DefaultImageDriver`, which boots the
default image (``tools/build-default-image.sh``; a busybox Linux that
prints a banner and a shell on its serial port and powers off on the ACPI
power button). Every step is checked in what the guest itself printed,
read back through the console output API: a soft reboot and a hard one
show a second boot, a stop is a clean ACPI power off, a ``poweroff``
typed on the serial console makes the instance SHUTOFF, the log is
bounded and outlives stop and start, and the delete removes it.

The time each action takes to SHUTOFF or ACTIVE is printed
(``pytest -s``).
"""

import os
import re
import signal
import subprocess
import time

import pytest
from websockets.sync import client as ws_client

from tests import lifecycle_drivers
from tests.functional import qemu_guest
from tests.functional import servers

pytestmark = pytest.mark.skipif(
    not os.path.exists(servers.QEMU_BINARY),
    reason='QEMU (%s) is not installed' % servers.QEMU_BINARY)

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUILD_SCRIPT = os.path.join(REPOSITORY, 'tools', 'build-default-image.sh')
IMAGE = os.path.join(REPOSITORY, '.cache', 'images', 'default.qcow2')

#: Seconds from a start to the shell prompt under TCG, with other tests
#: on the same two CPUs.
BOOT_TIMEOUT = 180
LOG_MAX_BYTES = 65536


def _measure(what, seconds):
    print('[lifecycle] %s: %.2f s' % (what, seconds))


@pytest.fixture(scope='module')
def image():
    os.makedirs(os.path.dirname(IMAGE), exist_ok=True)
    build = subprocess.run([BUILD_SCRIPT, IMAGE], capture_output=True,
                           text=True, timeout=900)
    if build.returncode != 0:
        pytest.skip('the default image cannot be built here: %s'
                    % build.stderr.strip()[-500:])
    return IMAGE


@pytest.fixture(scope='module')
def deployment(tmp_path_factory, image):
    serial_port = servers.free_port()
    low = 25000 + os.getpid() % 15000
    options = {
        'DEFAULT': {
            'compute_driver': 'tests.lifecycle_drivers.DefaultImageDriver',
            'reboot_timeout': '60', 'shutdown_timeout': '60'},
        'compute': {'sync_power_state_interval': '5'},
        'serial_console': {'enabled': 'true',
                           'serialproxy_port': str(serial_port),
                           'base_url': 'ws://127.0.0.1:%d/' % serial_port,
                           'port_range': '%d:%d' % (low, low + 50),
                           'log_max_bytes': str(LOG_MAX_BYTES),
                           'log_check_interval': '1'},
    }
    env = {'PYTHONPATH': REPOSITORY,
           lifecycle_drivers.IMAGE_VARIABLE: image}
    state_path = str(tmp_path_factory.mktemp('lifecycle'))
    try:
        with servers.all_in_one(state_path, options, (serial_port,),
                                env) as deployment:
            yield deployment
    finally:
        # Guests outlive their agent; a failed test may leave one.
        servers.kill_processes(state_path + '/libvirt')


@pytest.fixture(scope='module')
def guest(deployment, api):
    instance = api.create_instance('lifecycle-guest', memory_mb=128)
    started = time.monotonic()
    instance = api.wait_for_status(instance['id'], 'ACTIVE', 120)
    _wait_boot(api, instance['id'])
    _measure('create to the shell prompt', time.monotonic() - started)
    return instance


def _output(api, instance_id, length=None):
    path = '/instances/%s/console-output' % instance_id
    if length is not None:
        path += '?length=%d' % length
    response = api.request('GET', path)
    assert response.status_code == 200, response.text
    return response.json()['output']


def _banner(instance_id):
    return qemu_guest.BANNER % (instance_id, '/dev/ttyS0')


def _anchor(api, instance_id):
    """The end of the output now: what comes later follows it, however
    much of the log's head is dropped meanwhile."""
    return _output(api, instance_id)[-300:]


def _after(output, anchor):
    """The part of ``output`` after ``anchor`` (all if it is empty)."""
    if not anchor:
        return output
    assert anchor in output, 'the anchor was dropped from the log'
    return output.rsplit(anchor, 1)[1]


def _wait_boot(api, instance_id, anchor='', timeout=BOOT_TIMEOUT):
    """Wait until the output after ``anchor`` shows a boot: the banner
    and the prompt after it; returns that part of the output."""
    deadline = time.monotonic() + timeout
    while True:
        later = _after(_output(api, instance_id), anchor)
        if qemu_guest.PROMPT in later.rpartition(_banner(instance_id))[2] \
                and _banner(instance_id) in later:
            assert later.count(_banner(instance_id)) == 1, later
            return later
        assert time.monotonic() < deadline, (
            'no boot after %s s; the output ends:\n%s'
            % (timeout, later[-2000:]))
        time.sleep(0.5)


def _wait_instance(api, instance_id, status, timeout=120):
    """Wait until the instance is idle in ``status``; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        instance = api.request('GET', '/instances/' +
                               instance_id).json()['instance']
        if instance['status'] == status and instance['task_state'] is None:
            return instance
        assert time.monotonic() < deadline, instance
        time.sleep(0.05)


def _action(api, instance_id, body):
    started = time.monotonic()
    response = api.request('POST', '/v2.1/servers/%s/action' % instance_id,
                           json=body)
    assert response.status_code == 202, response.text
    return started


def _qemu_pid(instance_id):
    found = subprocess.run(['pgrep', '-f', 'guest=instance-' + instance_id],
                           capture_output=True, text=True).stdout.split()
    return int(found[0]) if found else None


def _console_url(api, instance_id, protocol, kind):
    response = api.request(
        'POST', '/servers/%s/remote-consoles' % instance_id,
        json={'remote_console': {'protocol': protocol, 'type': kind}})
    return response


def test_soft_reboot_is_a_clean_power_off_and_a_second_boot(api, guest):
    anchor = _anchor(api, guest['id'])
    started = _action(api, guest['id'], {'reboot': {'type': 'SOFT'}})
    _wait_instance(api, guest['id'], 'ACTIVE')
    _measure('soft reboot to ACTIVE', time.monotonic() - started)
    later = _wait_boot(api, guest['id'], anchor)
    _measure('soft reboot to the shell prompt', time.monotonic() - started)
    # The guest powered itself off on the ACPI button, then booted.
    assert 'reboot: Power down' in later.split(_banner(guest['id']))[0]


def test_stop_and_start(api, guest, deployment):
    _wait_instance(api, guest['id'], 'ACTIVE')
    vnc = _console_url(api, guest['id'], 'vnc', 'novnc').json()
    anchor = _anchor(api, guest['id'])
    started = _action(api, guest['id'], {'os-stop': None})
    stopped = _wait_instance(api, guest['id'], 'SHUTOFF')
    _measure('os-stop (ACPI power off) to SHUTOFF',
             time.monotonic() - started)
    assert stopped['power_state'] == 4
    # The guest is gone from the host; its consoles with it.
    assert _qemu_pid(guest['id']) is None
    assert servers.refusal_status('ws://127.0.0.1:%s/?token=%s' % (
        deployment.proxy_port,
        servers.novnc_token(vnc['remote_console']['url']))) == 401
    assert _console_url(api, guest['id'], 'vnc', 'novnc').status_code == 409
    # What it printed stays readable, ending with its clean power off.
    later = _after(_output(api, guest['id']), anchor)
    assert 'reboot: Power down' in later
    assert _banner(guest['id']) not in later

    anchor = _anchor(api, guest['id'])
    started = _action(api, guest['id'], {'os-start': None})
    active = _wait_instance(api, guest['id'], 'ACTIVE')
    _measure('os-start to ACTIVE', time.monotonic() - started)
    assert active['power_state'] == 1
    _wait_boot(api, guest['id'], anchor)
    _measure('os-start to the shell prompt', time.monotonic() - started)


def test_hard_reboot_resets_the_same_guest_process(api, guest):
    _wait_instance(api, guest['id'], 'ACTIVE')
    pid = _qemu_pid(guest['id'])
    anchor = _anchor(api, guest['id'])
    started = _action(api, guest['id'], {'reboot': {'type': 'HARD'}})
    _wait_instance(api, guest['id'], 'ACTIVE')
    _measure('hard reboot to ACTIVE', time.monotonic() - started)
    later = _wait_boot(api, guest['id'], anchor)
    _measure('hard reboot to the shell prompt', time.monotonic() - started)
    # A reset: the same QEMU, no clean power off before the new boot.
    assert _qemu_pid(guest['id']) == pid
    assert 'reboot: Power down' not in later


def _serial(api, instance_id):
    response = _console_url(api, instance_id, 'serial', 'serial')
    assert response.status_code == 200, response.text
    return ws_client.connect(response.json()['remote_console']['url'],
                             open_timeout=10, proxy=None)


def _type(websocket, line, expect, timeout=60):
    """Type ``line`` and Enter; wait until ``expect`` (a regex) shows."""
    received = ''
    websocket.send(line.encode() + b'\r')
    deadline = time.monotonic() + timeout
    while not re.search(expect, received):
        assert time.monotonic() < deadline, received[-2000:]
        try:
            received += websocket.recv(timeout=1).decode('utf-8', 'replace')
        except TimeoutError:
            pass
    return received


def test_console_log_is_bounded_and_keeps_the_newest(api, guest, deployment):
    _wait_instance(api, guest['id'], 'ACTIVE')
    with _serial(api, guest['id']) as websocket:
        _type(websocket, '', re.escape(qemu_guest.PROMPT))
        _type(websocket, 'seq 1 20000', r'\n20000\r?\n')
    log = os.path.join(deployment.state_path, 'console-logs',
                       guest['id'] + '.log')
    deadline = time.monotonic() + 30
    while os.path.getsize(log) > LOG_MAX_BYTES:
        assert time.monotonic() < deadline, os.path.getsize(log)
        time.sleep(0.2)
    output = _output(api, guest['id'])
    assert len(output.encode()) <= LOG_MAX_BYTES
    assert '\n20000\r\n' in output
    # The oldest output went first: seq's 109 kB do not fit in 64 KiB.
    assert '\n1\r\n2\r\n3\r\n' not in output
    assert _output(api, guest['id'], 2).startswith('20000')


def test_poweroff_typed_on_the_serial_console_makes_it_shutoff(api, guest):
    _wait_instance(api, guest['id'], 'ACTIVE')
    with _serial(api, guest['id']) as websocket:
        _type(websocket, '', re.escape(qemu_guest.PROMPT))
        started = time.monotonic()
        websocket.send(b'poweroff\r')
        stopped = _wait_instance(api, guest['id'], 'SHUTOFF')
    _measure('poweroff typed in the guest to SHUTOFF',
             time.monotonic() - started)
    assert stopped['power_state'] == 4
    assert _qemu_pid(guest['id']) is None


def test_a_crashed_guest_makes_it_shutoff(api, guest):
    _action(api, guest['id'], {'os-start': None})
    _wait_instance(api, guest['id'], 'ACTIVE')
    pid = _qemu_pid(guest['id'])
    started = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    stopped = _wait_instance(api, guest['id'], 'SHUTOFF')
    _measure('QEMU killed to SHUTOFF', time.monotonic() - started)
    # libvirt says the guest crashed: Nova's CRASHED.
    assert stopped['power_state'] == 6


def test_delete_removes_the_log_and_the_disk(api, guest, deployment):
    log = os.path.join(deployment.state_path, 'console-logs',
                       guest['id'] + '.log')
    disk = os.path.join(deployment.state_path, 'test-disks',
                        guest['id'] + '.qcow2')
    assert os.path.exists(log) and os.path.exists(disk)
    response = api.request('DELETE', '/instances/' + guest['id'])
    assert response.status_code == 204, response.text
    assert not os.path.exists(log)
    assert not os.path.exists(disk)
