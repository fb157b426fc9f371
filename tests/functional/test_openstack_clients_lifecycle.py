"""Stop, start, reboot and the console log with the OpenStack clients,
unmodified: the ``openstack`` CLI, python-novaclient and openstacksdk,
against ``consolehub-all`` with real (diskless) QEMU guests.

The guests run SeaBIOS alone, which ignores the ACPI power button: a
stop powers them off after ``[DEFAULT] shutdown_timeout`` and a soft
reboot resets them after ``reboot_timeout`` (2 s here). SeaBIOS writes
its boot messages to the serial port, so the console log shows them.
"""

import json
import os
import time

from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint
from novaclient import client as nova_client
from novaclient import exceptions as nova_exceptions
import openstack
import pytest

from tests.functional import openstack_cli
from tests.functional import servers

pytestmark = pytest.mark.skipif(
    not os.path.exists(servers.QEMU_BINARY),
    reason='QEMU (%s) is not installed' % servers.QEMU_BINARY)

DEAF_GUEST_TIMEOUT = 2


@pytest.fixture(scope='module')
def deployment(tmp_path_factory):
    options = {'DEFAULT': {'shutdown_timeout': str(DEAF_GUEST_TIMEOUT),
                           'reboot_timeout': str(DEAF_GUEST_TIMEOUT)}}
    with servers.all_in_one(str(tmp_path_factory.mktemp('osc-lifecycle')),
                            options) as deployment:
        deployment.member_token = deployment.create_token('demo', 'alice')
        yield deployment


_endpoint = openstack_cli.compute_endpoint


def _cli(deployment, *args):
    # Power actions with --wait outlast the default timeout.
    return openstack_cli.run(deployment, *args, timeout=300)


def _sdk(deployment):
    return openstack.connect(
        auth_type='admin_token',
        auth={'endpoint': _endpoint(deployment),
              'token': deployment.member_token},
        load_yaml_config=False, load_envvars=False)


def _nova(deployment):
    auth = token_endpoint.Token(_endpoint(deployment),
                                deployment.member_token)
    return nova_client.Client('2.1', session=ks_session.Session(auth=auth))


def _status(get, server_id, status, timeout=60):
    """Poll ``get(server_id).status`` until ``status``; returns seconds."""
    started = time.monotonic()
    while True:
        server = get(server_id)
        if server.status == status:
            return time.monotonic() - started
        assert time.monotonic() - started < timeout, server.status
        time.sleep(0.1)


def _measure(what, seconds):
    print('[clients] %s: %.2f s' % (what, seconds))


def test_openstack_cli(deployment):
    conn = _sdk(deployment)
    server = conn.compute.create_server(name='cli-power', flavor_id='1',
                                        networks='none')
    get = conn.compute.get_server
    try:
        conn.compute.wait_for_server(server, status='ACTIVE', wait=60,
                                     interval=0.2)
        started = time.monotonic()
        stop = _cli(deployment, 'server', 'stop', 'cli-power')
        assert stop.returncode == 0, stop.stderr
        _status(get, server.id, 'SHUTOFF')
        _measure('openstack server stop (deaf guest) to SHUTOFF',
                 time.monotonic() - started)
        shown = json.loads(_cli(deployment, 'server', 'show', 'cli-power',
                                '-f', 'json').stdout)
        assert (shown['status'], shown['OS-EXT-STS:vm_state'],
                shown['OS-EXT-STS:power_state']) == (
                    'SHUTOFF', 'stopped', 4)

        refused = _cli(deployment, 'server', 'stop', 'cli-power')
        assert refused.returncode == 1
        assert ("Cannot 'stop' instance %s while it is in vm_state stopped"
                % server.id) in refused.stderr

        started = time.monotonic()
        start = _cli(deployment, 'server', 'start', 'cli-power')
        assert start.returncode == 0, start.stderr
        _status(get, server.id, 'ACTIVE')
        _measure('openstack server start to ACTIVE',
                 time.monotonic() - started)

        for kind in ('--hard', '--soft'):
            started = time.monotonic()
            reboot = _cli(deployment, 'server', 'reboot', kind, '--wait',
                          'cli-power')
            assert reboot.returncode == 0, reboot.stderr
            assert get(server.id).status == 'ACTIVE'
            _measure('openstack server reboot %s --wait' % kind,
                     time.monotonic() - started)

        log = _cli(deployment, 'console', 'log', 'show', 'cli-power')
        assert log.returncode == 0, log.stderr
        # SeaBIOS's banner, once per boot and boot retry.
        assert 'Machine UUID %s' % server.id in log.stdout
        assert log.stdout.count('SeaBIOS (version') >= 3
        last = _cli(deployment, 'console', 'log', 'show', '--lines', '2',
                    'cli-power')
        assert last.returncode == 0, last.stderr
        assert 1 <= len(last.stdout.strip('\n').split('\n')) <= 2
    finally:
        conn.compute.delete_server(server)


def test_novaclient(deployment):
    nova = _nova(deployment)
    server = nova.servers.create('nova-power', image=None, flavor='1')
    try:
        _status(nova.servers.get, server.id, 'ACTIVE')
        with pytest.raises(nova_exceptions.Conflict) as conflict:
            nova.servers.start(server)
        assert ("Cannot 'start' instance %s while it is in vm_state active"
                % server.id) in str(conflict.value)

        nova.servers.stop(server)
        _status(nova.servers.get, server.id, 'SHUTOFF')
        output = nova.servers.get_console_output(server)
        assert 'Machine UUID %s' % server.id in output
        # Nova's output has no carriage returns or escape sequences.
        assert '\r' not in output and '\x1b' not in output
        assert nova.servers.get_console_output(server, length=1).count(
            '\n') <= 1

        nova.servers.start(server)
        _status(nova.servers.get, server.id, 'ACTIVE')
        nova.servers.reboot(server, reboot_type='HARD')
        # HARD_REBOOT while it lasts, then ACTIVE.
        _status(nova.servers.get, server.id, 'ACTIVE')
        assert getattr(nova.servers.get(server.id),
                       'OS-EXT-STS:task_state') is None
    finally:
        nova.servers.delete(server)


def test_openstacksdk(deployment):
    conn = _sdk(deployment)
    server = conn.compute.create_server(name='sdk-power', flavor_id='1',
                                        networks='none')
    try:
        conn.compute.wait_for_server(server, status='ACTIVE', wait=60,
                                     interval=0.2)
        conn.compute.stop_server(server)
        conn.compute.wait_for_server(server, status='SHUTOFF', wait=60,
                                     interval=0.2)
        conn.compute.start_server(server)
        conn.compute.wait_for_server(server, status='ACTIVE', wait=60,
                                     interval=0.2)
        conn.compute.reboot_server(server, 'SOFT')
        conn.compute.wait_for_server(server, status='ACTIVE', wait=60,
                                     interval=0.2)
        output = conn.compute.get_server_console_output(server, length=5)
        assert 'output' in output
        assert len(output['output'].splitlines()) <= 5
    finally:
        conn.compute.delete_server(server)
