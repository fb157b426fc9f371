"""The serial hubs of one compute host: one per running guest.

With ``[serial_console] enabled``, each running guest's serial port is
read by one :class:`consolehub.serialhub.hub.SerialHub` in the compute
agent, and serial console tokens name the hub's port rather than the
guest's (``get_serial_console``), so any number of sessions can watch a
guest while one types. :class:`HubKeeper` starts and stops the hubs as
the manager's tasks and the power state sync see guests start and stop:

* a build, start or reboot that leaves the guest running, and a power
  sync or recovery that finds it running, call :meth:`HubKeeper.follow`
  with ``running=True``: a hub is started unless one serves that guest;
* a stop, a delete, a failed task and a power sync that finds the guest
  stopped call it with ``running=False``: the hub ends its sessions
  (an ``ended`` notice) and closes;
* a guest whose QEMU exits (a soft reboot, a crash, a power off from
  inside) closes its serial port: the hub ends by itself, and is started
  again when the guest is next seen running. A console session asked for
  meanwhile starts one at once (:meth:`HubKeeper.endpoint`).

The agent's stop ends every hub (:meth:`HubKeeper.stop_all`).
"""

import threading

from oslo_log import log as logging

from consolehub.conf import CONF
from consolehub import exception
from consolehub.serialhub import hub as serial_hub

LOG = logging.getLogger(__name__)


def _hub_ports():
    """The ports of ``[serial_console] hub_port_range`` (a range)."""
    low, high = (int(part) for part in
                 CONF.serial_console.hub_port_range.split(':'))
    return range(low, high + 1)


class HubKeeper(object):
    """The serial hubs of a host's running guests, by instance UUID.

    :param driver: the host's :class:`consolehub.virt.driver.
        ComputeDriver`; its ``get_serial_console`` names each guest's own
        serial port.
    """

    def __init__(self, driver):
        self.driver = driver
        self._hubs = {}
        self._lock = threading.Lock()

    @staticmethod
    def enabled():
        return CONF.serial_console.enabled

    def endpoint(self, instance_uuid):
        """``(host, port)`` of the instance's hub, started if need be.

        :raises ConsoleTypeUnavailable: if the guest has no serial port,
            or its hub cannot start (the reason is logged).
        :raises InstanceNotFound: if there is no such guest.
        """
        hub = self._ensure(instance_uuid)
        return hub.listen_host, hub.port

    def validate_port(self, instance_uuid, port):
        """Whether ``port`` (int) is the live hub of a running guest."""
        with self._lock:
            hub = self._hubs.get(instance_uuid)
        return hub is not None and hub.alive and hub.port == port

    def follow(self, instance_uuid, running):
        """Start or stop the instance's hub as its guest is ``running``
        (bool) or not. Never raises: a hub that cannot start is logged,
        and tried again at the next call."""
        if not self.enabled():
            return
        if not running:
            self.stop(instance_uuid, 'the guest stopped')
            return
        try:
            self._ensure(instance_uuid)
        except (exception.ConsoleTypeUnavailable,
                exception.InstanceNotFound) as error:
            LOG.debug('No serial hub for instance %s: %s', instance_uuid,
                      error)
        except Exception:
            LOG.exception('Cannot start the serial hub of instance %s',
                          instance_uuid)

    def _ensure(self, instance_uuid):
        guest = self.driver.get_serial_console({'uuid': instance_uuid})
        guest_address = (guest.host, guest.port)
        with self._lock:
            hub = self._hubs.get(instance_uuid)
            if (hub is not None and hub.alive and
                    hub.guest_address == guest_address):
                return hub
            stale = self._hubs.pop(instance_uuid, None)
        if stale is not None:
            stale.stop('the guest\'s serial port changed')
        settings = CONF.serial_console
        hub = serial_hub.SerialHub(
            instance_uuid, guest_address, settings.proxyclient_address,
            _hub_ports(), scrollback_bytes=settings.hub_scrollback_bytes,
            max_sessions=settings.hub_max_sessions,
            client_buffer_bytes=settings.hub_client_buffer_bytes,
            connect_timeout=CONF.console.connect_timeout,
            on_end=self._ended)
        try:
            hub.start()
        except OSError as error:
            LOG.warning('Cannot start the serial hub of instance %s: %s',
                        instance_uuid, error)
            raise exception.ConsoleTypeUnavailable(console_type='serial')
        with self._lock:
            rival = self._hubs.get(instance_uuid)
            if rival is not None and rival.alive:
                keep, drop = rival, hub  # started by another thread first
            else:
                self._hubs[instance_uuid] = keep = hub
                drop = None
        if drop is not None:
            drop.stop('another serial hub serves this guest')
        return keep

    def _ended(self, hub):
        """A hub's end callback (on its thread): forget it."""
        with self._lock:
            if self._hubs.get(hub.name) is hub:
                del self._hubs[hub.name]

    def stop(self, instance_uuid, reason):
        """End the instance's hub, if any; waits for it to end."""
        with self._lock:
            hub = self._hubs.pop(instance_uuid, None)
        if hub is not None and not hub.stop(reason):
            LOG.warning('The serial hub of instance %s did not end in time',
                        instance_uuid)

    def stop_all(self, reason='the compute agent is stopping'):
        """End every hub (the agent's stop)."""
        with self._lock:
            hubs, self._hubs = list(self._hubs.values()), {}
        for hub in hubs:
            hub.stop(reason)

    def running(self):
        """UUIDs (set) of the instances whose hub serves now."""
        with self._lock:
            return {uuid for uuid, hub in self._hubs.items() if hub.alive}
