"""The libvirt driver against libvirt's own test driver (no daemon)."""

import socket

import libvirt
import pytest

from consolehub import exception
from consolehub.virt.libvirt import driver as libvirt_driver


@pytest.fixture
def driver(conf_fixture, tmp_path):
    conf_fixture.config(state_path=str(tmp_path))
    conf_fixture.config(connection_uri='test:///default', virt_type='qemu',
                        group='libvirt')
    instance_driver = libvirt_driver.LibvirtDriver()
    instance_driver.init_host('test-host')
    yield instance_driver
    instance_driver.cleanup_host()


def _instance(uuid):
    return {'uuid': uuid, 'name': 'vm', 'memory_mb': 64, 'vcpus': 1}


def test_spawn_defines_and_starts_the_guest(driver):
    instance = _instance('00000000-0000-4000-8000-000000000001')
    driver.spawn(instance)
    try:
        assert driver.instance_exists(instance)
        domain = driver._conn.lookupByUUIDString(instance['uuid'])
        assert domain.isActive()
        assert domain.isPersistent()
        assert domain.name() == 'instance-' + instance['uuid']
    finally:
        driver.destroy(instance)


def test_destroy_stops_and_undefines_and_is_idempotent(driver):
    instance = _instance('00000000-0000-4000-8000-000000000002')
    driver.spawn(instance)
    driver.destroy(instance)
    assert not driver.instance_exists(instance)
    with pytest.raises(libvirt.libvirtError):
        driver._conn.lookupByUUIDString(instance['uuid'])
    driver.destroy(instance)  # a missing guest is not an error


def test_console_of_a_guest_without_a_vnc_port_is_unavailable(driver):
    # The test driver never allocates an autoport: the port stays -1.
    instance = _instance('00000000-0000-4000-8000-000000000003')
    driver.spawn(instance)
    try:
        with pytest.raises(exception.ConsoleTypeUnavailable):
            driver.get_vnc_console(instance)
    finally:
        driver.destroy(instance)


def test_console_of_a_missing_guest_is_not_found(driver):
    with pytest.raises(exception.InstanceNotFound):
        driver.get_vnc_console(_instance(
            '00000000-0000-4000-8000-000000000004'))


def test_spawn_that_cannot_define_raises_and_leaves_nothing(driver):
    instance = _instance('00000000-0000-4000-8000-000000000005')
    instance['memory_mb'] = -5  # libvirt rejects the XML
    with pytest.raises(exception.HypervisorError):
        driver.spawn(instance)
    assert not driver.instance_exists(instance)


def test_unreachable_uri_is_a_hypervisor_error(conf_fixture):
    conf_fixture.config(connection_uri='test:///nonexistent/file.xml',
                        group='libvirt')
    with pytest.raises(exception.HypervisorError):
        libvirt_driver.LibvirtDriver().init_host('test-host')


def test_serial_ports_are_distinct_and_found_again(driver, conf_fixture):
    conf_fixture.config(enabled=True, group='serial_console')
    listener = socket.create_server(('127.0.0.1', 0))
    taken = listener.getsockname()[1]
    # The first port of the range is in use on the host: it is skipped.
    conf_fixture.config(port_range='%d:%d' % (taken, taken + 50),
                        group='serial_console')
    first = _instance('00000000-0000-4000-8000-000000000011')
    second = _instance('00000000-0000-4000-8000-000000000012')
    driver.spawn(first)
    driver.spawn(second)
    try:
        one = driver.get_serial_console(first)
        two = driver.get_serial_console(second)
        assert one.host == two.host == '127.0.0.1'
        assert taken < one.port <= taken + 50
        assert taken < two.port <= taken + 50
        assert one.port != two.port
        with pytest.raises(exception.ConsoleTypeUnavailable):
            driver.get_spice_console(first)  # SPICE is off
    finally:
        listener.close()
        driver.destroy(first)
        driver.destroy(second)


def test_exhausted_serial_port_range(driver, conf_fixture):
    conf_fixture.config(enabled=True, group='serial_console')
    listener = socket.create_server(('127.0.0.1', 0))
    taken = listener.getsockname()[1]
    conf_fixture.config(port_range='%d:%d' % (taken, taken),
                        group='serial_console')
    try:
        with pytest.raises(exception.PortRangeExhausted):
            driver.spawn(_instance('00000000-0000-4000-8000-000000000013'))
    finally:
        listener.close()


def test_embedded_qemu_conf_carries_the_display_port_range(conf_fixture):
    conf_fixture.config(embedded_display_port_range='6100:6199',
                        group='libvirt')
    lines = libvirt_driver.embedded_qemu_conf().splitlines()
    assert 'remote_display_port_min = 6100' in lines
    assert 'remote_display_port_max = 6199' in lines
    assert 'user = "root"' in lines


@pytest.mark.parametrize('port_range', ['5800:6000', '6000:5999',
                                        '5900:70000'])
def test_embedded_display_port_range_outside_libvirts_is_refused(
        conf_fixture, port_range):
    conf_fixture.config(embedded_display_port_range=port_range,
                        group='libvirt')
    with pytest.raises(exception.HypervisorError) as refused:
        libvirt_driver.embedded_qemu_conf()
    assert port_range in str(refused.value)


def test_screenshot_of_a_running_guest_is_a_png(driver):
    instance = _instance('00000000-0000-4000-8000-000000000031')
    driver.spawn(instance)
    try:
        image = driver.screenshot(instance, 16 * 1024 * 1024)
        assert image.startswith(b'\x89PNG\r\n\x1a\n')
        with pytest.raises(exception.ScreenshotTooLarge):
            driver.screenshot(instance, 1024)
        driver.send_keys(instance, [29, 56, 111], 10)
    finally:
        driver.destroy(instance)


def test_no_screenshot_or_keys_without_a_guest(driver):
    instance = _instance('00000000-0000-4000-8000-000000000032')
    with pytest.raises(exception.InstanceNotFound):
        driver.screenshot(instance, 1024)
    with pytest.raises(exception.InstanceNotFound):
        driver.send_keys(instance, [28], 10)
