"""The interface every hypervisor driver implements.

The compute manager talks to a driver only through :class:`ComputeDriver`;
nothing else in consolehub imports a hypervisor library.
"""

import collections

from oslo_utils import importutils

from consolehub.conf import CONF
from consolehub import exception

#: Where a proxy reaches one console of a guest: ``host`` (str address),
#: ``port`` (int TCP port) and ``internal_access_path`` (str or None; a path
#: for an HTTP CONNECT through ``host:port``, as in Nova).
ConsoleEndpoint = collections.namedtuple(
    'ConsoleEndpoint', ['host', 'port', 'internal_access_path'])

#: The image an instance boots, as the compute manager hands it to the
#: driver (which never reads the database): ``id``, ``path`` (its file in
#: the image store, readable on this host), ``disk_format`` (``qcow2`` or
#: ``raw``), ``os_hash_algo`` and ``os_hash_value`` (the file's hash, to
#: verify a copy against) and ``size`` (bytes).
ImageSource = collections.namedtuple(
    'ImageSource', ['id', 'path', 'disk_format', 'os_hash_algo',
                    'os_hash_value', 'size'])

#: Transitions a driver reports to its event listener (Nova's
#: ``virt.event`` lifecycle transitions).
EVENT_STARTED = 'started'
EVENT_STOPPED = 'stopped'
EVENT_CRASHED = 'crashed'
EVENT_PAUSED = 'paused'
EVENT_RESUMED = 'resumed'


class ComputeDriver(object):
    """Create, remove and describe guests on one compute host.

    ``instance`` arguments are instance dicts as :mod:`consolehub.db.api`
    returns them (``uuid``, ``name``, ``memory_mb``, ``vcpus``, ...); the
    ``get_*_console`` methods are given, and may use, only ``uuid``.
    """

    def init_host(self, host):
        """Connect to the hypervisor; ``host`` is this node's name."""
        raise NotImplementedError()

    def cleanup_host(self):
        """Release the hypervisor connection when the agent stops."""

    def spawn(self, instance, image=None):
        """Define and start a guest for ``instance``.

        :param image: an :class:`ImageSource` to boot from a copy-on-write
            disk of ``instance['root_gb']`` GiB; None: no disk.
        :raises HypervisorError: if the guest cannot be started (its
            subclass ImageCacheError if the image cannot be prepared);
            nothing is left defined in that case.
        """
        raise NotImplementedError()

    def destroy(self, instance):
        """Stop and undefine the guest and remove its disk and console
        log; a missing guest is not an error.

        :raises HypervisorError: the guest could not be removed.
        """
        raise NotImplementedError()

    def snapshot(self, instance, target_path):
        """Write the guest's disk, flattened (no backing file), as a qcow2
        file at ``target_path``. A running guest is paused meanwhile, so
        the copy is consistent as after a power cut.

        :raises InstanceHasNoDisk: the guest has no disk.
        :raises HypervisorError: the copy failed; nothing is left at
            ``target_path``.
        """
        raise NotImplementedError()

    def instance_exists(self, instance):
        """True if a guest for ``instance`` is defined on this host."""
        raise NotImplementedError()

    def list_instance_uuids(self):
        """UUIDs (str) of every instance guest defined on this host."""
        raise NotImplementedError()

    def register_event_listener(self, callback):
        """Have ``callback(instance_uuid, transition)`` called when a
        guest starts, stops, crashes, pauses or resumes.

        ``transition`` is one of the ``EVENT_*`` values. It is called
        from the driver's own thread and must return at once.
        """

    def get_power_state(self, instance):
        """The guest's power state (``consolehub.virt.power_state``);
        NOSTATE when there is no guest.

        :raises HypervisorError: the hypervisor cannot tell.
        """
        raise NotImplementedError()

    def shutdown(self, instance):
        """Ask the guest's operating system to power off (the ACPI power
        button) and return at once.

        :returns: False if no guest was running to ask.
        :raises HypervisorError: the request failed.
        """
        raise NotImplementedError()

    def power_off(self, instance):
        """Stop the guest at once; it stays defined. No error if it is not
        running or missing.

        :raises HypervisorError: it could not be stopped.
        """
        raise NotImplementedError()

    def power_on(self, instance):
        """Start the guest's definition; define it afresh if it is gone.
        No error if it runs already.

        :raises HypervisorError, PortRangeExhausted: it could not start.
        """
        raise NotImplementedError()

    def reset(self, instance):
        """Reset a running guest (a hard reboot), or start a stopped or
        missing one from a fresh definition.

        :raises HypervisorError, PortRangeExhausted: it could not start.
        """
        raise NotImplementedError()

    def get_console_output(self, instance):
        """The end of what the guest wrote to its first serial port
        (bytes, at most ``[serial_console] log_max_bytes``), across its
        reboots and restarts; b'' if it wrote nothing yet.

        Only ``uuid`` of ``instance`` is used.
        """
        raise NotImplementedError()

    def screenshot(self, instance, max_bytes):
        """A PNG (bytes) of the guest's first screen, as the hypervisor
        sees it now; no console connection is involved.

        :param max_bytes: the largest image taken (int).
        :raises InstanceNotFound: if no guest exists for ``instance``.
        :raises ScreenshotTooLarge: over ``max_bytes``.
        :raises HypervisorError: the hypervisor could not take it.
        """
        raise NotImplementedError()

    def send_keys(self, instance, keycodes, hold_ms):
        """Press the Linux input ``keycodes`` (list of int) together,
        hold them ``hold_ms`` milliseconds and release them.

        :raises InstanceNotFound: if no guest exists for ``instance``.
        :raises HypervisorError: the hypervisor refused the keys.
        """
        raise NotImplementedError()

    def trim_console_logs(self):
        """Keep every console log of this host within ``[serial_console]
        log_max_bytes``; returns the bytes dropped."""
        return 0

    def get_vnc_console(self, instance):
        """The :class:`ConsoleEndpoint` of the guest's VNC server.

        :raises ConsoleTypeUnavailable: if the guest has no VNC port now.
        :raises InstanceNotFound: if no guest exists for ``instance``.
        """
        raise NotImplementedError()

    def get_spice_console(self, instance):
        """The :class:`ConsoleEndpoint` of the guest's SPICE server.

        :raises ConsoleTypeUnavailable: if the guest has no SPICE port.
        :raises InstanceNotFound: if no guest exists for ``instance``.
        """
        raise NotImplementedError()

    def get_serial_console(self, instance):
        """The :class:`ConsoleEndpoint` of the guest's TCP serial port.

        :raises ConsoleTypeUnavailable: if the guest has no serial port.
        :raises InstanceNotFound: if no guest exists for ``instance``.
        """
        raise NotImplementedError()

    def validate_console_port(self, instance, console_type, port):
        """Whether ``port`` is now the guest's console of ``console_type``.

        What Nova's ``validate_console_port`` asks before a proxy connects:
        a token outlives the guest it was made for, and the next guest on
        the host may be given the same port (CVE-2013-0335).

        :param console_type: ``novnc``, ``spice-html5`` or ``serial``;
            ``port``: TCP port (int) the token names.
        :returns: bool; False when the guest or that console is gone.
        """
        getter = {'novnc': self.get_vnc_console,
                  'spice-html5': self.get_spice_console,
                  'serial': self.get_serial_console}.get(console_type)
        if getter is None:
            return False
        try:
            return getter(instance).port == port
        except (exception.ConsoleTypeUnavailable,
                exception.InstanceNotFound):
            return False


def load_compute_driver(name=None):
    """A new driver of ``[DEFAULT] compute_driver`` (or ``name``).

    :param name: ``module.Class`` under ``consolehub.virt``, e.g.
        ``libvirt.LibvirtDriver``, or a full dotted path of a class
        elsewhere (as Nova's option); only the compute agent calls this,
        so no other service imports a hypervisor library.
    :raises ImportError: if there is no such driver.
    """
    name = name or CONF.compute_driver
    return importutils.import_object_ns('consolehub.virt', name)
