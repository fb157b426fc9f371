"""The proxy asks the compute agent whether a token's port is still its
guest's console (Nova's ``validate_console_port``, CVE-2013-0335).

A real compute agent (:class:`consolehub.compute.service.ComputeService`
with the libvirt driver on ``test:///default``) serves RPC on the
in-process ``fake://`` transport; the proxy asks it through
``consolehub.compute.rpcapi.console_port_checker``. The guests' serial
ports are TCP ports of the libvirt domains; a fake guest listens on the
port libvirt gave, since the test driver runs no QEMU, and the agent's
serial hub of the guest reads it: serial tokens name the hub's port.
"""

import pytest

from consolehub.compute import rpcapi as compute_rpcapi
from consolehub.compute import service as compute_service
from consolehub.console import service
from consolehub import exception
from consolehub.objects import console_auth_token
from consolehub.objects import console_session as session_obj
from consolehub.objects import instance as instance_obj
from consolehub import rpc
from consolehub.virt.libvirt import driver as libvirt_driver
from tests.unit.console import helpers
from tests.unit.console.helpers import BANNER, TIMEOUT

SERIAL = ('serial', 'serial')


@pytest.fixture
def compute(database, conf_fixture):
    conf_fixture.config(transport_url='fake://')
    conf_fixture.config(host='host1')
    conf_fixture.config(compute_call_timeout=2, group='api')
    conf_fixture.config(connection_uri='test:///default', group='libvirt')
    conf_fixture.config(virt_type='qemu', group='libvirt')
    conf_fixture.config(enabled=True, group='serial_console')
    low = helpers.closed_port()
    conf_fixture.config(port_range='%d:%d' % (low, low + 20),
                        group='serial_console')
    low = helpers.closed_port()
    conf_fixture.config(hub_port_range='%d:%d' % (low, low + 20),
                        group='serial_console')
    agent = compute_service.ComputeService(libvirt_driver.LibvirtDriver())
    agent.start()
    yield agent
    agent.stop()
    rpc.cleanup()


@pytest.fixture
def checked_proxy(compute, conf_fixture):
    helpers.listen_on_any_port(conf_fixture)
    conf_fixture.config(enabled=True, group='serial_console')
    server = service.run_in_thread(compute_rpcapi.console_port_checker())
    yield server
    server.stop()
    assert server.join(TIMEOUT)


@pytest.fixture
def running(compute, ctx):
    """An instance on host1 whose guest runs, a fake guest on its
    serial port, and the port of the guest's serial hub."""
    instance = instance_obj.create(ctx, 'vm', 64, 1, 'host1')
    compute.manager.build_instance(ctx, instance['uuid'])
    port = compute.manager.driver.get_serial_console(instance).port
    guest = helpers.start_guest(port=port)
    compute.manager.serial_hubs.follow(instance['uuid'], running=True)
    _host, port = compute.manager.serial_hubs.endpoint(instance['uuid'])
    yield instance, port
    helpers.stop_guest(guest)
    compute.manager.driver.destroy(instance)


def _serial_url(proxy, raw_token):
    return helpers.url(proxy, raw_token, kind='serial')


def test_the_guests_hub_port_opens(checked_proxy, ctx, running):
    instance, port = running
    raw_token = helpers.mint(ctx, instance, port, console_type=SERIAL)
    with helpers.connect(_serial_url(checked_proxy, raw_token)) as websocket:
        received = websocket.recv(timeout=TIMEOUT)
        while b'[serial console: writer' not in received:
            received += websocket.recv(timeout=TIMEOUT)
        assert received.startswith(BANNER)  # the hub's scrollback


def test_a_port_the_guest_no_longer_has_is_refused(checked_proxy, ctx,
                                                   running, compute):
    instance, port = running
    raw_token = helpers.mint(ctx, instance, port, console_type=SERIAL)
    # The guest stops; something else (the next tenant's guest) now
    # listens on its old port, here still the fake guest. The agent's
    # power sync, which would drop the token first, is stopped: this is
    # the proxy's own check, the defence for when that sync is late.
    compute.manager.power_sync.stop()
    compute.manager.driver.destroy(instance)
    response = helpers.refusal(_serial_url(checked_proxy, raw_token))
    assert response.status_code == 401
    [row] = helpers.wait_for(lambda: [
        row for row in helpers.sessions_of(instance)
        if row['ended_at'] is not None])
    assert row['close_reason'] == session_obj.REASON_PORT_INVALID


def test_another_guests_port_is_refused(checked_proxy, ctx, running):
    instance, port = running
    other = instance_obj.create(ctx, 'other', 64, 1, 'host1')
    raw_token = helpers.mint(ctx, other, port, console_type=SERIAL)
    assert helpers.refusal(
        _serial_url(checked_proxy, raw_token)).status_code == 401


def test_a_host_that_does_not_answer_is_503(checked_proxy, ctx, running):
    _instance, port = running
    elsewhere = instance_obj.create(ctx, 'vm', 64, 1, 'silent-host')
    raw_token = helpers.mint(ctx, elsewhere, port, console_type=SERIAL)
    response = helpers.refusal(_serial_url(checked_proxy, raw_token))
    assert response.status_code == 503
    [row] = helpers.wait_for(lambda: [
        row for row in helpers.sessions_of(elsewhere)
        if row['ended_at'] is not None])
    assert row['close_reason'] == session_obj.REASON_PORT_UNCHECKED


def test_agent_start_drops_the_tokens_of_a_vanished_guest(compute, ctx,
                                                          admin, running):
    instance, port = running
    instance_obj.update(ctx, instance['uuid'],
                        {'status': instance_obj.ACTIVE})
    raw_token = helpers.mint(ctx, instance, port, console_type=SERIAL)
    compute.manager.driver.destroy(instance)
    # The agent starts again: its power sync thread too, not a second one
    # that would outlive this test and race the next one's for its locks.
    compute.manager.power_sync.stop()
    compute.manager.init_host(admin)
    assert instance_obj.get(ctx, instance['uuid'])['status'] == (
        instance_obj.SHUTOFF)
    with pytest.raises(exception.InvalidToken):
        console_auth_token.validate(admin, raw_token)


def test_the_check_can_be_turned_off_for_a_proxy_without_agents(
        conf_fixture):
    conf_fixture.config(transport_url='fake://')
    assert callable(compute_rpcapi.console_port_checker())
    conf_fixture.config(validate_console_port=False, group='console')
    assert compute_rpcapi.console_port_checker() is None
    rpc.cleanup()
