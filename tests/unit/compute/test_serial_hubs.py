"""The compute agent's serial hubs follow its guests.

The driver is a stand-in whose guests' serial ports are listening
sockets on 127.0.0.1 (QEMU's, in production); the hubs are real.
"""

import socket
import threading

import pytest

from consolehub.compute import serial_hubs
from consolehub import exception
from consolehub.serialhub import protocol
from consolehub.virt import driver as virt_driver
from tests.waiting import wait_for

TIMEOUT = 10
UUID = '00000000-0000-4000-8000-00000000a001'


class SerialPortDriver(object):
    """Guests whose serial ports listen on 127.0.0.1."""

    def __init__(self):
        self.ports = {}
        self._addresses = {}

    def add_guest(self, instance_uuid):
        listener = socket.create_server(('127.0.0.1', 0))
        self.ports[instance_uuid] = listener
        self._addresses[instance_uuid] = listener.getsockname()
        return listener

    def get_serial_console(self, instance):
        address = self._addresses.get(instance['uuid'])
        if address is None:
            raise exception.InstanceNotFound(instance_id=instance['uuid'])
        return virt_driver.ConsoleEndpoint(address[0], address[1], None)


@pytest.fixture
def keeper(conf_fixture):
    conf_fixture.config(enabled=True, hub_port_range='0:0',
                        group='serial_console')
    driver = SerialPortDriver()
    keeper = serial_hubs.HubKeeper(driver)
    yield keeper
    keeper.stop_all()
    for listener in driver.ports.values():
        listener.close()


def _session(address):
    sock = socket.create_connection(address, TIMEOUT)
    sock.settimeout(TIMEOUT)
    sock.sendall(protocol.preamble(protocol.READ))
    return sock


def _read_to_end(sock):
    received = b''
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return received
        received += chunk


def test_a_running_guest_gets_one_hub_and_a_stop_ends_it(keeper):
    listener = keeper.driver.add_guest(UUID)
    threads = threading.active_count()
    keeper.follow(UUID, running=True)
    address = keeper.endpoint(UUID)
    # The hub is the serial port's one client.
    listener.settimeout(TIMEOUT)
    guest, _peer = listener.accept()
    keeper.follow(UUID, running=True)  # again: the same hub
    assert keeper.endpoint(UUID) == address
    assert keeper.validate_port(UUID, address[1])
    assert not keeper.validate_port(UUID, address[1] + 1)
    session = _session(address)
    keeper.follow(UUID, running=False)
    assert _read_to_end(session).endswith(
        protocol.notice(protocol.ENDED, 'the guest stopped'))
    assert keeper.running() == set()
    assert not keeper.validate_port(UUID, address[1])
    assert guest.recv(1) == b''  # the hub let go of the serial port
    wait_for(lambda: threading.active_count() <= threads, TIMEOUT,
             message='the hub thread ends')
    guest.close()
    session.close()


def test_a_hub_whose_guest_goes_away_is_forgotten_and_restarted(keeper):
    listener = keeper.driver.add_guest(UUID)
    listener.settimeout(TIMEOUT)
    keeper.follow(UUID, running=True)
    guest, _peer = listener.accept()
    first = keeper.endpoint(UUID)
    session = _session(first)
    guest.close()  # QEMU exits: a soft reboot, a crash
    assert _read_to_end(session).endswith(protocol.notice(
        protocol.ENDED, "the guest's serial port closed"))
    wait_for(lambda: keeper.running() == set(), TIMEOUT,
             message='the ended hub forgotten')
    keeper.follow(UUID, running=True)  # the guest is back
    guest, _peer = listener.accept()
    assert UUID in keeper.running()
    assert keeper.validate_port(UUID, keeper.endpoint(UUID)[1])
    guest.close()
    session.close()


def test_a_guest_without_a_reachable_port_has_no_hub(keeper):
    listener = keeper.driver.add_guest(UUID)
    listener.close()  # its QEMU is not running
    keeper.follow(UUID, running=True)  # logged, never raised
    assert keeper.running() == set()
    with pytest.raises(exception.ConsoleTypeUnavailable):
        keeper.endpoint(UUID)
    with pytest.raises(exception.InstanceNotFound):
        keeper.endpoint('00000000-0000-4000-8000-00000000dead')


def test_nothing_happens_while_serial_consoles_are_off(keeper,
                                                       conf_fixture):
    conf_fixture.config(enabled=False, group='serial_console')
    keeper.driver.add_guest(UUID)
    keeper.follow(UUID, running=True)
    assert keeper.running() == set()


def test_the_agents_stop_ends_every_hub(keeper):
    sessions, guests = [], []
    for number in range(3):
        uuid = '00000000-0000-4000-8000-0000000000b%d' % number
        keeper.driver.add_guest(uuid).settimeout(TIMEOUT)
        keeper.follow(uuid, running=True)
        guests.append(keeper.driver.ports[uuid].accept()[0])
        sessions.append(_session(keeper.endpoint(uuid)))
    assert len(keeper.running()) == 3
    keeper.stop_all()
    for session in sessions:
        assert _read_to_end(session).endswith(protocol.notice(
            protocol.ENDED, 'the compute agent is stopping'))
        session.close()
    assert keeper.running() == set()
    for guest in guests:
        guest.close()
