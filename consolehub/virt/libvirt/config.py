"""Domain XML: building a guest's definition and reading it back.

Element and attribute names are libvirt's domain XML format
(https://libvirt.org/formatdomain.html). Built with ElementTree so user
text such as an instance name is always escaped.
"""

import xml.etree.ElementTree as etree

WILDCARD_ADDRESSES = ('', '0.0.0.0', '::')


def domain_name(instance):
    """The libvirt domain name of an instance: ``instance-<uuid>``."""
    return 'instance-%s' % instance['uuid']


def guest_xml(instance, virt_type, vnc_listen, spice_listen=None,
              serial=None, disk=None, console_log=None):
    """Domain XML (str) for a NIC-less guest with VNC graphics that
    several clients may watch at once (``sharePolicy='force-shared'``).

    The guest has ACPI, so that an operating system can be asked to power
    off (``virDomainShutdown``); it is destroyed when it powers off or
    crashes and restarted when it reboots.

    :param instance: instance dict (``uuid``, ``name``, ``memory_mb``,
        ``vcpus``).
    :param virt_type: ``qemu`` or ``kvm``.
    :param vnc_listen: address QEMU's VNC server binds to; the port is
        chosen by libvirt (autoport, from 5900 up).
    :param spice_listen: if given, the guest also gets SPICE graphics
        listening there (autoport).
    :param serial: if given, ``(host, port)`` of a TCP socket the guest's
        first serial port listens on (raw bytes). The firmware then writes
        its console to it, reads keys from it, and retries a failed boot
        every second, so a diskless guest shows its boot text there.
    :param console_log: if given, the path of a file that everything the
        guest writes to its first serial port is appended to: beside the
        TCP socket of ``serial`` (libvirt's ``<log append='on'>``), or as
        the port itself (``<serial type='file'>``) when there is none.
        It outlives reboots and restarts of the guest.
    :param disk: if given, the path of a qcow2 root disk, attached as
        virtio-blk (``vda``) and booted from; else the guest is diskless.
    """
    domain = etree.Element('domain', type=virt_type)
    etree.SubElement(domain, 'name').text = domain_name(instance)
    etree.SubElement(domain, 'uuid').text = instance['uuid']
    etree.SubElement(domain, 'title').text = instance['name']
    etree.SubElement(domain, 'memory', unit='MiB').text = str(
        instance['memory_mb'])
    etree.SubElement(domain, 'vcpu').text = str(instance['vcpus'])
    os_element = etree.SubElement(domain, 'os')
    etree.SubElement(os_element, 'type', arch='x86_64').text = 'hvm'
    if disk is not None:
        etree.SubElement(os_element, 'boot', dev='hd')
    if serial is not None:
        etree.SubElement(os_element, 'bootmenu', enable='yes',
                         timeout='1000')
    if serial is not None or console_log is not None:
        etree.SubElement(os_element, 'bios', useserial='yes',
                         rebootTimeout='1000')
    features = etree.SubElement(domain, 'features')
    etree.SubElement(features, 'acpi')
    etree.SubElement(features, 'apic')
    etree.SubElement(domain, 'on_poweroff').text = 'destroy'
    etree.SubElement(domain, 'on_reboot').text = 'restart'
    etree.SubElement(domain, 'on_crash').text = 'destroy'
    devices = etree.SubElement(domain, 'devices')
    if disk is not None:
        disk_element = etree.SubElement(devices, 'disk', type='file',
                                        device='disk')
        etree.SubElement(disk_element, 'driver', name='qemu', type='qcow2')
        etree.SubElement(disk_element, 'source', file=disk)
        etree.SubElement(disk_element, 'target', dev='vda', bus='virtio')
    # force-shared (libvirt's formatdomain, "Graphical framebuffer
    # devices"): QEMU keeps every VNC client connected whatever its
    # ClientInit asks, so viewers and the typist share the screen.
    graphics = etree.SubElement(devices, 'graphics', type='vnc',
                                autoport='yes', listen=vnc_listen,
                                sharePolicy='force-shared')
    etree.SubElement(graphics, 'listen', type='address', address=vnc_listen)
    if spice_listen is not None:
        graphics = etree.SubElement(devices, 'graphics', type='spice',
                                    autoport='yes', listen=spice_listen)
        etree.SubElement(graphics, 'listen', type='address',
                         address=spice_listen)
    if serial is not None:
        chardev = etree.SubElement(devices, 'serial', type='tcp')
        etree.SubElement(chardev, 'source', mode='bind', host=serial[0],
                         service=str(serial[1]))
        etree.SubElement(chardev, 'protocol', type='raw')
        if console_log is not None:
            etree.SubElement(chardev, 'log', file=console_log, append='on')
        etree.SubElement(chardev, 'target', port='0')
    elif console_log is not None:
        chardev = etree.SubElement(devices, 'serial', type='file')
        etree.SubElement(chardev, 'source', path=console_log, append='on')
        etree.SubElement(chardev, 'target', port='0')
    video = etree.SubElement(devices, 'video')
    etree.SubElement(video, 'model', type='vga')
    etree.SubElement(devices, 'memballoon', model='none')
    return etree.tostring(domain, encoding='unicode')


def graphics_endpoint(xml, graphics_type):
    """``(listen, port)`` of the first ``<graphics type=graphics_type>``.

    :returns: ``None`` if the domain has no such graphics or libvirt has
        not allocated a port yet (``port='-1'``).
    """
    domain = etree.fromstring(xml)
    for graphics in domain.iterfind('./devices/graphics'):
        if graphics.get('type') != graphics_type:
            continue
        port = int(graphics.get('port', '-1'))
        if port <= 0:
            return None
        listen = graphics.get('listen')
        if listen is None:
            address = graphics.find("./listen[@type='address']")
            listen = address.get('address') if address is not None else ''
        return listen, port
    return None


def serial_endpoint(xml):
    """``(host, port)`` of the first TCP serial port bound by the guest.

    :returns: ``None`` if the domain has no such serial port.
    """
    domain = etree.fromstring(xml)
    for serial in domain.iterfind('./devices/serial'):
        source = serial.find("./source[@mode='bind']")
        if serial.get('type') != 'tcp' or source is None:
            continue
        try:
            return source.get('host', ''), int(source.get('service', ''))
        except ValueError:
            continue
    return None
