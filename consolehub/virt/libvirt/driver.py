"""The libvirt driver (libvirt-python): guests as libvirt domains."""

import os
import socket
import threading

import libvirt
from oslo_log import log as logging

from consolehub.conf import CONF
from consolehub import exception
from consolehub.virt import driver
from consolehub.virt import images
from consolehub.virt.libvirt import config

LOG = logging.getLogger(__name__)

_EVENT_LOOP_LOCK = threading.Lock()
# Serial ports are picked and the guest started under this lock, so two
# builds on this host never pick the same port.
_SERIAL_PORT_LOCK = threading.Lock()
_EVENT_LOOP_STARTED = False

# The embedded QEMU driver, run as root, would otherwise start guests as
# the packaged "libvirt-qemu" user and log through virtlogd, a daemon we do
# not run. See https://libvirt.org/kbase/qemu-embedded.html.
_EMBED_QEMU_CONF = ('user = "root"\ngroup = "root"\nstdio_handler = "file"\n'
                    'remote_display_port_min = %d\n'
                    'remote_display_port_max = %d\n')

#: libvirt gives VNC display N port 5900 + N, so no lower port is valid.
_FIRST_DISPLAY_PORT = 5900


def _start_event_loop():
    """Register libvirt's default event loop and run it in a thread.

    The embedded QEMU driver needs a running event loop to talk to its
    QEMU monitors; libvirt allows one registration per process.
    """
    global _EVENT_LOOP_STARTED
    with _EVENT_LOOP_LOCK:
        if _EVENT_LOOP_STARTED:
            return
        libvirt.virEventRegisterDefaultImpl()
        # libvirt prints every error to stderr by default; we raise ours.
        libvirt.registerErrorHandler(lambda _context, _error: None, None)

        def run():
            while True:
                libvirt.virEventRunDefaultImpl()

        threading.Thread(target=run, name='libvirt-event-loop',
                         daemon=True).start()
        _EVENT_LOOP_STARTED = True


def embedded_qemu_conf():
    """The ``qemu.conf`` text of an embedded QEMU driver (see above).

    :raises HypervisorError: if ``[libvirt]
        embedded_display_port_range`` is not 5900 <= MIN <= MAX <= 65535.
    """
    low, high = (int(port) for port in
                 CONF.libvirt.embedded_display_port_range.split(':'))
    if not _FIRST_DISPLAY_PORT <= low <= high <= 65535:
        raise exception.HypervisorError(
            reason='[libvirt] embedded_display_port_range %d:%d is not '
                   'within %d:65535 with MIN <= MAX'
                   % (low, high, _FIRST_DISPLAY_PORT))
    return _EMBED_QEMU_CONF % (low, high)


def _embed_root(uri):
    """The ``root`` directory of a ``qemu:///embed?root=...`` URI, or None."""
    prefix = 'qemu:///embed?root='
    return uri[len(prefix):] if uri.startswith(prefix) else None


class LibvirtDriver(driver.ComputeDriver):
    """Guests as libvirt domains on ``[libvirt] connection_uri``."""

    def __init__(self):
        self._conn = None

    def init_host(self, host):
        uri = CONF.libvirt.connection_uri
        root = _embed_root(uri)
        if root is not None:
            qemu_conf = os.path.join(root, 'etc', 'qemu.conf')
            text = embedded_qemu_conf()
            if os.geteuid() == 0:
                os.makedirs(os.path.dirname(qemu_conf), exist_ok=True)
                with open(qemu_conf, 'w') as conf_file:
                    conf_file.write(text)
        _start_event_loop()
        try:
            self._conn = libvirt.open(uri)
        except libvirt.libvirtError as error:
            raise exception.HypervisorError(
                reason='cannot open %s: %s' % (uri, error))
        LOG.info('Connected to libvirt at %s for host %s', uri, host)

    def cleanup_host(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _lookup(self, instance):
        try:
            return self._conn.lookupByUUIDString(instance['uuid'])
        except libvirt.libvirtError as error:
            if error.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return None
            raise

    def _ports_in_use(self):
        """TCP ports the serial ports of this host's guests bind."""
        used = set()
        for domain in self._conn.listAllDomains(0):
            try:
                endpoint = config.serial_endpoint(domain.XMLDesc(0))
            except libvirt.libvirtError:
                continue
            if endpoint is not None:
                used.add(endpoint[1])
        return used

    def _free_serial_port(self, host):
        """A port of ``[serial_console] port_range`` free on ``host``.

        :raises PortRangeExhausted: if every port is taken.
        """
        port_range = CONF.serial_console.port_range
        low, high = (int(part) for part in port_range.split(':'))
        used = self._ports_in_use()
        family = socket.AF_INET6 if ':' in host else socket.AF_INET
        for port in range(low, high + 1):
            if port in used:
                continue
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                try:
                    probe.bind((host, port))
                except OSError:
                    continue
            return port
        raise exception.PortRangeExhausted(port_range=port_range)

    def spawn(self, instance, image=None):
        disk = None
        if image is not None:
            disk = images.create_instance_disk(instance['uuid'], image,
                                               instance['root_gb'])
        try:
            if CONF.serial_console.enabled:
                with _SERIAL_PORT_LOCK:
                    host = CONF.serial_console.proxyclient_address
                    self._spawn(instance, (host, self._free_serial_port(
                        host)), disk)
            else:
                self._spawn(instance, None, disk)
        except BaseException:
            images.remove_instance_files(instance['uuid'])
            raise

    def _spawn(self, instance, serial, disk):
        spice_listen = (CONF.spice.server_listen if CONF.spice.enabled
                        else None)
        xml = config.guest_xml(instance, CONF.libvirt.virt_type,
                               CONF.vnc.server_listen, spice_listen, serial,
                               disk)
        try:
            domain = self._conn.defineXML(xml)
        except libvirt.libvirtError as error:
            raise exception.HypervisorError(reason=str(error))
        try:
            domain.create()
        except libvirt.libvirtError as error:
            # Never leave a defined guest behind an instance in ERROR.
            self._undefine(domain)
            raise exception.HypervisorError(reason=str(error))
        LOG.info('Started guest %s', domain.name())

    @staticmethod
    def _undefine(domain):
        try:
            domain.undefine()
        except libvirt.libvirtError as error:
            if error.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
                raise

    def destroy(self, instance):
        domain = self._lookup(instance)
        if domain is None:
            images.remove_instance_files(instance['uuid'])
            return
        try:
            if domain.isActive():
                domain.destroy()
        except libvirt.libvirtError as error:
            if error.get_error_code() != libvirt.VIR_ERR_OPERATION_INVALID:
                raise exception.HypervisorError(reason=str(error))
        self._undefine(domain)
        images.remove_instance_files(instance['uuid'])
        LOG.info('Removed guest %s', config.domain_name(instance))

    def snapshot(self, instance, target_path):
        disk = images.instance_disk_path(instance['uuid'])
        if not os.path.exists(disk):
            raise exception.InstanceHasNoDisk(instance_id=instance['uuid'])
        domain = self._lookup(instance)
        paused = False
        try:
            if (domain is not None and domain.state()[0] ==
                    libvirt.VIR_DOMAIN_RUNNING):
                # QEMU stops the vCPUs and drains the disk's requests.
                domain.suspend()
                paused = True
            images.flatten(disk, target_path)
        except libvirt.libvirtError as error:
            raise exception.HypervisorError(reason=str(error))
        finally:
            if paused:
                try:
                    domain.resume()
                except libvirt.libvirtError as error:
                    LOG.error('Guest %s stays paused after its snapshot: %s',
                              config.domain_name(instance), error)

    def instance_exists(self, instance):
        return self._lookup(instance) is not None

    def _xml(self, instance):
        domain = self._lookup(instance)
        if domain is None:
            raise exception.InstanceNotFound(instance_id=instance['uuid'])
        return domain.XMLDesc(0)

    def _graphics_console(self, instance, graphics_type, console_type,
                          proxyclient_address):
        endpoint = config.graphics_endpoint(self._xml(instance),
                                            graphics_type)
        if endpoint is None:
            raise exception.ConsoleTypeUnavailable(console_type=console_type)
        listen, port = endpoint
        if listen in config.WILDCARD_ADDRESSES:
            listen = proxyclient_address
        return driver.ConsoleEndpoint(host=listen, port=port,
                                      internal_access_path=None)

    def get_vnc_console(self, instance):
        return self._graphics_console(instance, 'vnc', 'novnc',
                                      CONF.vnc.server_proxyclient_address)

    def get_spice_console(self, instance):
        return self._graphics_console(instance, 'spice', 'spice-html5',
                                      CONF.spice.server_proxyclient_address)

    def validate_console_port(self, instance, console_type, port):
        """As the base class, and only for a running guest: a serial port
        stays in a stopped domain's XML while nothing listens on it."""
        domain = self._lookup(instance)
        try:
            if domain is None or not domain.isActive():
                return False
        except libvirt.libvirtError:
            return False
        return super().validate_console_port(instance, console_type, port)

    def get_serial_console(self, instance):
        endpoint = config.serial_endpoint(self._xml(instance))
        if endpoint is None:
            raise exception.ConsoleTypeUnavailable(console_type='serial')
        host, port = endpoint
        if host in config.WILDCARD_ADDRESSES:
            host = CONF.serial_console.proxyclient_address
        return driver.ConsoleEndpoint(host=host, port=port,
                                      internal_access_path=None)
