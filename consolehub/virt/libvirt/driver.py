"""The libvirt driver (libvirt-python): guests as libvirt domains.

Guests are persistent domains: stopping one leaves it defined (with its
serial port), starting it again starts that definition. Lifecycle events
(https://libvirt.org/html/libvirt-libvirt-domain.html, "Lifecycle
events") come from libvirt's event loop thread and are handed to the
listener the compute manager registers.
"""

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
from consolehub.virt.libvirt import console_log
from consolehub.virt.libvirt import guest_input
from consolehub.virt import power_state

LOG = logging.getLogger(__name__)

_EVENT_LOOP_LOCK = threading.Lock()
# Serial ports are picked and the guest started under this lock, so two
# builds on this host never pick the same port.
_SERIAL_PORT_LOCK = threading.Lock()
_EVENT_LOOP_STARTED = False

# The embedded QEMU driver, run as root, would otherwise start guests as
# the packaged "libvirt-qemu" user and log through virtlogd, a daemon we do
# not run. See https://libvirt.org/kbase/qemu-embedded.html. Files stay
# root's, so its security driver has no owners to remember in xattrs.
_EMBED_QEMU_CONF = ('user = "root"\ngroup = "root"\nstdio_handler = "file"\n'
                    'remember_owner = 0\n'
                    'remote_display_port_min = %d\n'
                    'remote_display_port_max = %d\n')

#: libvirt gives VNC display N port 5900 + N, so no lower port is valid.
_FIRST_DISPLAY_PORT = 5900

#: libvirt's domain state -> Nova's power state. Nova's libvirt driver
#: counts a guest being shut down as shut down; here it runs until its
#: QEMU has exited, so that a start after a clean shutdown never finds
#: the old process still there.
_POWER_STATES = {
    libvirt.VIR_DOMAIN_NOSTATE: power_state.NOSTATE,
    libvirt.VIR_DOMAIN_RUNNING: power_state.RUNNING,
    libvirt.VIR_DOMAIN_BLOCKED: power_state.RUNNING,
    libvirt.VIR_DOMAIN_PAUSED: power_state.PAUSED,
    libvirt.VIR_DOMAIN_SHUTDOWN: power_state.RUNNING,
    libvirt.VIR_DOMAIN_SHUTOFF: power_state.SHUTDOWN,
    libvirt.VIR_DOMAIN_CRASHED: power_state.CRASHED,
    libvirt.VIR_DOMAIN_PMSUSPENDED: power_state.SUSPENDED,
}

#: Lifecycle event -> the transition reported to the listener.
_TRANSITIONS = {
    libvirt.VIR_DOMAIN_EVENT_STARTED: driver.EVENT_STARTED,
    libvirt.VIR_DOMAIN_EVENT_RESUMED: driver.EVENT_RESUMED,
    libvirt.VIR_DOMAIN_EVENT_SUSPENDED: driver.EVENT_PAUSED,
    libvirt.VIR_DOMAIN_EVENT_STOPPED: driver.EVENT_STOPPED,
    libvirt.VIR_DOMAIN_EVENT_CRASHED: driver.EVENT_CRASHED,
    libvirt.VIR_DOMAIN_EVENT_UNDEFINED: driver.EVENT_STOPPED,
}

_DOMAIN_PREFIX = 'instance-'


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
        self._event_listener = None
        self._callback_id = None

    def register_event_listener(self, callback):
        self._event_listener = callback

    def _lifecycle_event(self, _conn, domain, event, detail, _opaque):
        # libvirt's event loop thread: hand over, never block.
        transition = _TRANSITIONS.get(event)
        if transition is None or not domain.name().startswith(
                _DOMAIN_PREFIX):
            return
        if (event == libvirt.VIR_DOMAIN_EVENT_STOPPED and detail in (
                libvirt.VIR_DOMAIN_EVENT_STOPPED_CRASHED,
                libvirt.VIR_DOMAIN_EVENT_STOPPED_FAILED)):
            transition = driver.EVENT_CRASHED
        listener = self._event_listener
        if listener is not None:
            try:
                listener(domain.UUIDString(), transition)
            except Exception:
                LOG.exception('Lifecycle event listener failed')

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
        try:
            self._callback_id = self._conn.domainEventRegisterAny(
                None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                self._lifecycle_event, None)
        except libvirt.libvirtError as error:
            # The periodic power state sync still notices changes.
            LOG.warning('No lifecycle events from %s: %s', uri, error)
        LOG.info('Connected to libvirt at %s for host %s', uri, host)

    def cleanup_host(self):
        if self._conn is not None:
            if self._callback_id is not None:
                try:
                    self._conn.domainEventDeregisterAny(self._callback_id)
                except libvirt.libvirtError:
                    pass
                self._callback_id = None
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
        if image is not None:
            images.create_instance_disk(instance['uuid'], image,
                                        instance['root_gb'])
        try:
            self._define_and_start(instance)
        except BaseException:
            images.remove_instance_files(instance['uuid'])
            raise

    def _define_and_start(self, instance):
        """Define the guest from fresh XML and start it (a build, or a
        start that has to redefine it: its disk is made only by
        :meth:`spawn` and kept).

        :raises HypervisorError, PortRangeExhausted: nothing is left
            defined then.
        """
        log_path = console_log.prepare(instance['uuid'])
        if CONF.serial_console.enabled:
            with _SERIAL_PORT_LOCK:
                host = CONF.serial_console.proxyclient_address
                self._start_new(instance,
                                (host, self._free_serial_port(host)),
                                log_path)
        else:
            self._start_new(instance, None, log_path)

    def guest_xml(self, instance, serial, log_path):
        """The domain XML (str) of ``instance``'s guest.

        :param serial: ``(host, port)`` of its TCP serial port, or None.
        :param log_path: the file its serial output is appended to.
        """
        spice_listen = (CONF.spice.server_listen if CONF.spice.enabled
                        else None)
        disk = images.instance_disk_path(instance['uuid'])
        return config.guest_xml(
            instance, CONF.libvirt.virt_type, CONF.vnc.server_listen,
            spice_listen, serial=serial,
            disk=disk if os.path.exists(disk) else None,
            console_log=log_path)

    def _start_new(self, instance, serial, log_path):
        xml = self.guest_xml(instance, serial, log_path)
        try:
            domain = self._conn.defineXML(xml)
        except libvirt.libvirtError as error:
            raise exception.HypervisorError(reason=str(error))
        try:
            self._start_domain(domain)
        except Exception:
            # Never leave a defined guest behind an instance in ERROR.
            self._undefine(domain)
            raise
        LOG.info('Started guest %s', domain.name())

    def _start_domain(self, domain):
        """Start a defined guest.

        :raises HypervisorError: libvirt refused.
        """
        try:
            domain.create()
        except libvirt.libvirtError as error:
            raise exception.HypervisorError(reason=str(error))

    @staticmethod
    def _undefine(domain):
        try:
            domain.undefine()
        except libvirt.libvirtError as error:
            if error.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
                raise

    def destroy(self, instance):
        domain = self._lookup(instance)
        if domain is not None:
            self._stop_domain(domain)
            try:
                self._undefine(domain)
            except libvirt.libvirtError as error:
                raise exception.HypervisorError(reason=str(error))
            LOG.info('Removed guest %s', config.domain_name(instance))
        console_log.remove(instance['uuid'])
        images.remove_instance_files(instance['uuid'])

    @staticmethod
    def _stop_domain(domain):
        try:
            if domain.isActive():
                domain.destroy()
        except libvirt.libvirtError as error:
            if error.get_error_code() != libvirt.VIR_ERR_OPERATION_INVALID:
                raise exception.HypervisorError(reason=str(error))

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

    def list_instance_uuids(self):
        return [domain.UUIDString()
                for domain in self._conn.listAllDomains(0)
                if domain.name().startswith(_DOMAIN_PREFIX)]

    def get_power_state(self, instance):
        domain = self._lookup(instance)
        if domain is None:
            return power_state.NOSTATE
        try:
            state, reason = domain.state()
        except libvirt.libvirtError as error:
            if error.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return power_state.NOSTATE
            raise exception.HypervisorError(reason=str(error))
        if (state == libvirt.VIR_DOMAIN_SHUTOFF and
                reason == libvirt.VIR_DOMAIN_SHUTOFF_CRASHED):
            return power_state.CRASHED
        return _POWER_STATES.get(state, power_state.NOSTATE)

    def shutdown(self, instance):
        domain = self._lookup(instance)
        if domain is None:
            return False
        try:
            if not domain.isActive():
                return False
            # The ACPI power button: guests have no agent channel.
            domain.shutdown()
        except libvirt.libvirtError as error:
            if error.get_error_code() == libvirt.VIR_ERR_OPERATION_INVALID:
                return False  # it stopped meanwhile
            raise exception.HypervisorError(reason=str(error))
        return True

    def power_off(self, instance):
        domain = self._lookup(instance)
        if domain is not None:
            self._stop_domain(domain)

    def power_on(self, instance):
        domain = self._lookup(instance)
        if domain is None:
            self._define_and_start(instance)
            return
        try:
            state, _reason = domain.state()
        except libvirt.libvirtError as error:
            raise exception.HypervisorError(reason=str(error))
        if state == libvirt.VIR_DOMAIN_SHUTDOWN:
            # Powering off on its own: let it finish, at once.
            self._stop_domain(domain)
        elif domain.isActive():
            return
        self._start_domain(domain)

    def reset(self, instance):
        domain = self._lookup(instance)
        if domain is not None:
            try:
                if domain.isActive():
                    domain.reset(0)
                    return
            except libvirt.libvirtError as error:
                # No reset here (the test driver), or QEMU does not
                # answer: start it afresh below.
                LOG.warning('Reset of %s failed (%s); restarting it',
                            domain.name(), error)
                self._stop_domain(domain)
            try:
                self._undefine(domain)
            except libvirt.libvirtError as error:
                raise exception.HypervisorError(reason=str(error))
        # A fresh definition, as Nova's hard reboot regenerates the XML.
        self._define_and_start(instance)

    def get_console_output(self, instance):
        return console_log.read_tail(console_log.path(instance['uuid']),
                                     CONF.serial_console.log_max_bytes)

    def _existing(self, instance):
        domain = self._lookup(instance)
        if domain is None:
            raise exception.InstanceNotFound(instance_id=instance['uuid'])
        return domain

    def screenshot(self, instance, max_bytes):
        return guest_input.screenshot(self._conn, self._existing(instance),
                                      instance['uuid'], max_bytes)

    def send_keys(self, instance, keycodes, hold_ms):
        guest_input.send_keys(self._existing(instance), keycodes, hold_ms)

    def trim_console_logs(self):
        return console_log.trim_all(CONF.serial_console.log_max_bytes)

    def _xml(self, instance):
        return self._existing(instance).XMLDesc(0)

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
