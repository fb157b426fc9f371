"""A whole consolehub on this machine whose guests boot the default image.

Shared by the end-to-end tests that need a real guest with a shell
(tests/functional/test_*_end_to_end.py): the API, the compute agent with
libvirt's embedded QEMU driver, and the noVNC and serial proxies.
"""

import contextlib
import os

import pytest

from tests import lifecycle_drivers
from tests.functional import qemu_guest
from tests.functional import servers

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
