import xml.etree.ElementTree as etree

from consolehub.virt.libvirt import config

INSTANCE = {'uuid': '6f1c1f0e-8a4f-4c39-9b1e-0d3c1a2b3c4d',
            'name': 'web <1> & "friends"', 'memory_mb': 96, 'vcpus': 2}


def test_guest_xml_describes_a_diskless_vnc_guest():
    domain = etree.fromstring(config.guest_xml(INSTANCE, 'kvm',
                                               '192.0.2.10'))
    assert domain.get('type') == 'kvm'
    assert domain.findtext('name') == 'instance-' + INSTANCE['uuid']
    assert domain.findtext('uuid') == INSTANCE['uuid']
    assert domain.find('memory').get('unit') == 'MiB'
    assert domain.findtext('memory') == '96'
    assert domain.findtext('vcpu') == '2'
    graphics = domain.find('./devices/graphics')
    assert graphics.get('type') == 'vnc'
    assert graphics.get('autoport') == 'yes'
    assert graphics.get('listen') == '192.0.2.10'
    # Several clients at once, none able to disconnect the others.
    assert graphics.get('sharePolicy') == 'force-shared'
    assert domain.find('./devices/disk') is None
    assert domain.find('./devices/interface') is None


def test_guest_xml_with_a_disk_boots_it_from_virtio():
    domain = etree.fromstring(config.guest_xml(
        INSTANCE, 'qemu', '127.0.0.1', disk='/var/lib/x/instances/u/disk'))
    [disk] = domain.findall('./devices/disk')
    assert (disk.get('type'), disk.get('device')) == ('file', 'disk')
    assert disk.find('driver').get('type') == 'qcow2'
    assert disk.find('source').get('file') == '/var/lib/x/instances/u/disk'
    assert (disk.find('target').get('dev'),
            disk.find('target').get('bus')) == ('vda', 'virtio')
    assert domain.find('./os/boot').get('dev') == 'hd'


def test_every_guest_has_acpi_for_its_power_button():
    for disk in (None, '/disk'):
        domain = etree.fromstring(config.guest_xml(INSTANCE, 'qemu',
                                                   '127.0.0.1', disk=disk))
        assert domain.find('./features/acpi') is not None


def test_guest_xml_escapes_the_instance_name():
    xml = config.guest_xml(INSTANCE, 'qemu', '127.0.0.1')
    assert '<1>' not in xml
    assert etree.fromstring(xml).findtext('title') == INSTANCE['name']


def test_graphics_endpoint_reads_listen_and_port():
    xml = ("<domain><devices><graphics type='spice' port='5930' "
           "listen='10.0.0.1'/><graphics type='vnc' port='5901' "
           "autoport='yes' listen='127.0.0.1'><listen type='address' "
           "address='127.0.0.1'/></graphics></devices></domain>")
    assert config.graphics_endpoint(xml, 'vnc') == ('127.0.0.1', 5901)
    assert config.graphics_endpoint(xml, 'spice') == ('10.0.0.1', 5930)


def test_graphics_endpoint_falls_back_to_the_listen_element():
    xml = ("<domain><devices><graphics type='vnc' port='5902'>"
           "<listen type='address' address='::1'/></graphics>"
           "</devices></domain>")
    assert config.graphics_endpoint(xml, 'vnc') == ('::1', 5902)


def test_graphics_endpoint_without_a_port_is_none():
    xml = ("<domain><devices><graphics type='vnc' port='-1' "
           "autoport='yes'/></devices></domain>")
    assert config.graphics_endpoint(xml, 'vnc') is None
    assert config.graphics_endpoint('<domain/>', 'vnc') is None


def test_spice_graphics_and_tcp_serial_port():
    from consolehub.virt.libvirt import config as libvirt_config
    instance = {'uuid': '00000000-0000-4000-8000-0000000000aa',
                'name': 'vm', 'memory_mb': 64, 'vcpus': 1}
    xml = libvirt_config.guest_xml(instance, 'qemu', '127.0.0.1',
                                   spice_listen='127.0.0.2',
                                   serial=('127.0.0.3', 10001))
    assert libvirt_config.serial_endpoint(xml) == ('127.0.0.3', 10001)
    assert "type=\"spice\"" in xml and "listen=\"127.0.0.2\"" in xml
    assert 'useserial="yes"' in xml
    plain = libvirt_config.guest_xml(instance, 'qemu', '127.0.0.1')
    assert libvirt_config.serial_endpoint(plain) is None
    assert 'spice' not in plain
