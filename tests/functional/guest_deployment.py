"""A whole consolehub on this machine whose guests boot the default image.

Shared by the end-to-end tests that need a real guest with a shell
(tests/functional/test_*_end_to_end.py): the API, the compute agent with
libvirt's embedded QEMU driver, and the noVNC and serial proxies.
"""

import contextlib
import os
import re

import pytest

from tests import lifecycle_drivers
from tests.functional import qemu_guest
from tests.functional import servers
from tests import waiting

#: Seconds from a start to the shell prompt under TCG, shared CPUs.
BOOT_TIMEOUT = 180
#: Seconds one typed command has to show in the console output before it
#: is typed again.
ATTEMPT_TIMEOUT = 20

#: Serial ports per deployment: each module's guests take ports from its
#: own block, so deployments of two modules never race for one.
PORT_BLOCK = 50


@contextlib.contextmanager
def default_image_deployment(tmp_path_factory, name, block,
                             serial_options=None):
    """Run the all-in-one stack; yields its deployment, whose
    ``serial_port`` is the serial proxy's port.

    :param name: names the state directory.
    :param block: the module's block of guest serial ports (an int,
        0 for the first :data:`PORT_BLOCK` ports, 1 for the next...).
    :param serial_options: more ``[serial_console]`` options (dict).
    Skips the test if the default image cannot be built here. Guests
    outlive their agent: any left by a failed test are killed at the end.
    """
    build = qemu_guest.build_default_image()
    if build.returncode != 0:
        pytest.skip('the default image cannot be built here: %s'
                    % build.stderr.strip()[-500:])
    serial_port = servers.free_port()
    low = 25000 + os.getpid() % 15000 + block * (PORT_BLOCK + 1)
    options = {
        'DEFAULT': {
            'compute_driver': 'tests.lifecycle_drivers.DefaultImageDriver'},
        'serial_console': dict({
            'enabled': 'true',
            'serialproxy_port': str(serial_port),
            'base_url': 'ws://127.0.0.1:%d/' % serial_port,
            'port_range': '%d:%d' % (low, low + PORT_BLOCK)},
            **(serial_options or {})),
    }
    env = {'PYTHONPATH': qemu_guest.REPOSITORY,
           lifecycle_drivers.IMAGE_VARIABLE: qemu_guest.DEFAULT_IMAGE}
    state_path = str(tmp_path_factory.mktemp(name))
    try:
        with servers.all_in_one(state_path, options, (serial_port,),
                                env) as deployment:
            deployment.serial_port = serial_port
            yield deployment
    finally:
        servers.kill_processes(state_path + '/libvirt')


def console_output(api, instance_id):
    """The instance's whole console log (str), through the API."""
    response = api.request('GET', '/instances/%s/console-output'
                           % instance_id)
    assert response.status_code == 200, response.text
    return response.json()['output']


def boot_to_shell(api, name):
    """Create a default-image instance named ``name`` and wait until its
    serial shell has started (its banner, then the prompt, in the console
    log); returns the instance (dict)."""
    instance = api.create_instance(name, memory_mb=128)
    instance_id = instance['id']
    api.wait_for_status(instance_id, 'ACTIVE', 120)
    banner = qemu_guest.BANNER % (instance_id, '/dev/ttyS0')

    def shell_started():
        _before, found, after = console_output(
            api, instance_id).rpartition(banner)
        return found and qemu_guest.PROMPT in after

    waiting.wait_for(shell_started, BOOT_TIMEOUT, interval=0.5,
                     message=lambda: 'the shell; the output ends %r'
                     % console_output(api, instance_id)[-500:])
    return instance


def printed_line(word):
    """The line ``echo WORD > /dev/ttyS0`` prints in the console log
    (only the command's output reaches the serial port: tty1 echoes what
    is typed on its own screen), as a compiled pattern."""
    return re.compile(r'(?m)^%s\r?$' % re.escape(word))


def type_until_printed(api, instance_id, word, type_command):
    """Call ``type_command(text)`` with ``echo WORD > /dev/ttyS0`` (typed
    on tty1) until the word shows on a line of its own in the console
    log: tty1's shell may start after the serial one, so a first attempt
    can be lost. Fails the test after :data:`BOOT_TIMEOUT` seconds."""
    printed = printed_line(word)
    for _attempt in range(BOOT_TIMEOUT // ATTEMPT_TIMEOUT):
        type_command('echo %s > /dev/ttyS0\n' % word)
        try:
            waiting.wait_for(
                lambda: printed.search(console_output(api, instance_id)),
                ATTEMPT_TIMEOUT, interval=0.5, message='%s on ttyS0' % word)
            return
        except waiting.TimedOut:
            continue
    pytest.fail('%s never reached the serial port; it ends %r'
                % (word, console_output(api, instance_id)[-1000:]))
