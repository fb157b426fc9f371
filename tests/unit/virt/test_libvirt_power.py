"""Power operations and lifecycle events of the libvirt driver, on
libvirt's own test driver (no daemon, no QEMU)."""

import os
import queue
import xml.etree.ElementTree as etree

import pytest

from consolehub.virt import driver as virt_driver
from consolehub.virt.libvirt import config
from consolehub.virt.libvirt import console_log
from consolehub.virt.libvirt import driver as libvirt_driver
from consolehub.virt import power_state

UUID = '00000000-0000-4000-8000-0000000000b1'


@pytest.fixture
def events():
    return queue.Queue()


@pytest.fixture
def driver(conf_fixture, tmp_path, events):
    conf_fixture.config(state_path=str(tmp_path))
    conf_fixture.config(connection_uri='test:///default', group='libvirt')
    instance_driver = libvirt_driver.LibvirtDriver()
    instance_driver.register_event_listener(
        lambda uuid, transition: events.put((uuid, transition)))
    instance_driver.init_host('test-host')
    yield instance_driver
    instance_driver.destroy({'uuid': UUID})
    instance_driver.cleanup_host()


def _instance():
    return {'uuid': UUID, 'name': 'vm', 'memory_mb': 64, 'vcpus': 1}


def _next_event(events, transition):
    """The next event of the guest with ``transition``, within 10 s."""
    while True:
        uuid, seen = events.get(timeout=10)
        if uuid == UUID and seen == transition:
            return seen


def test_power_off_and_on_keep_the_guest_defined(driver, events):
    instance = _instance()
    assert driver.get_power_state(instance) == power_state.NOSTATE
    driver.spawn(instance)
    _next_event(events, virt_driver.EVENT_STARTED)
    assert driver.get_power_state(instance) == power_state.RUNNING
    assert driver.list_instance_uuids() == [UUID]

    driver.power_off(instance)
    _next_event(events, virt_driver.EVENT_STOPPED)
    assert driver.get_power_state(instance) == power_state.SHUTDOWN
    assert driver.instance_exists(instance)
    driver.power_off(instance)  # stopped already: no error

    driver.power_on(instance)
    _next_event(events, virt_driver.EVENT_STARTED)
    assert driver.get_power_state(instance) == power_state.RUNNING
    driver.power_on(instance)  # running already: no error


def test_shutdown_asks_only_a_running_guest(driver, events):
    instance = _instance()
    assert driver.shutdown(instance) is False  # no guest
    driver.spawn(instance)
    # The test driver's guests obey the power button at once.
    assert driver.shutdown(instance) is True
    _next_event(events, virt_driver.EVENT_STOPPED)
    assert driver.get_power_state(instance) == power_state.SHUTDOWN
    assert driver.shutdown(instance) is False


def test_reset_starts_a_missing_or_stopped_guest(driver):
    instance = _instance()
    driver.reset(instance)
    assert driver.get_power_state(instance) == power_state.RUNNING
    driver.reset(instance)
    assert driver.get_power_state(instance) == power_state.RUNNING
    driver.power_off(instance)
    driver.reset(instance)
    assert driver.get_power_state(instance) == power_state.RUNNING


def test_power_on_of_a_missing_guest_defines_it(driver):
    instance = _instance()
    driver.power_on(instance)
    assert driver.get_power_state(instance) == power_state.RUNNING


def test_destroy_removes_the_console_log(driver):
    instance = _instance()
    driver.spawn(instance)
    path = console_log.path(UUID)
    with open(path, 'wb') as log:
        log.write(b'SeaBIOS\r\n\xff\n')
    assert driver.get_console_output(instance) == b'SeaBIOS\r\n\xff\n'
    driver.destroy(instance)
    assert not os.path.exists(path)
    assert driver.get_console_output(instance) == b''


def test_guest_xml_has_acpi_and_logs_its_serial_port(conf_fixture):
    instance = _instance()
    domain = etree.fromstring(config.guest_xml(
        instance, 'qemu', '127.0.0.1', console_log='/var/log/g.log'))
    assert domain.find('./features/acpi') is not None
    assert domain.findtext('on_poweroff') == 'destroy'
    assert domain.findtext('on_reboot') == 'restart'
    serial = domain.find('./devices/serial')
    assert serial.get('type') == 'file'
    assert serial.find('source').attrib == {'path': '/var/log/g.log',
                                            'append': 'on'}
    assert domain.find('./os/bios').get('useserial') == 'yes'
    # With a TCP serial console, the log rides along as libvirt's <log>.
    domain = etree.fromstring(config.guest_xml(
        instance, 'qemu', '127.0.0.1', serial=('127.0.0.1', 10000),
        console_log='/var/log/g.log'))
    [serial] = domain.findall('./devices/serial')
    assert serial.get('type') == 'tcp'
    assert serial.find('log').attrib == {'file': '/var/log/g.log',
                                         'append': 'on'}
    assert config.serial_endpoint(config.guest_xml(
        instance, 'qemu', '127.0.0.1', console_log='/x.log')) is None
