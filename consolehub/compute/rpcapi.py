"""Client side of the compute agent's RPC API (topic ``compute``).

Version history:
  1.0 - build_instance, terminate_instance, get_vnc_console
  1.1 - get_console (any console type)
  1.2 - validate_console_port
  1.3 - snapshot_instance (createImage)
  1.4 - stop_instance, start_instance, reboot_instance, get_console_output
  1.5 - get_screenshot, send_keys
  1.6 - get_console(view_only)
  1.7 - get_console(record)

Every call asks the agent for heartbeats (oslo.messaging's
``call_monitor_timeout``): a call fails after ``[api]
compute_call_monitor_timeout`` seconds without one (a dead agent), or
after ``[api] compute_call_timeout`` seconds in all (slow work).
"""

import base64
import time

import oslo_messaging as messaging

from consolehub.compute import keyboard
from consolehub.conf import CONF
from consolehub import context
from consolehub import exception
from consolehub.objects import service as service_obj
from consolehub import rpc

TOPIC = service_obj.COMPUTE_TOPIC


class ComputeAPI(object):
    """Calls a compute agent by the ``host`` of the instance concerned.

    ``instance`` arguments are instance dicts; only ``uuid`` and ``host``
    travel, the agent reads the rest from the database.
    """

    VERSION = '1.7'

    def __init__(self):
        target = messaging.Target(topic=TOPIC, version=self.VERSION)
        self._client = messaging.get_rpc_client(
            rpc.get_transport(CONF), target,
            serializer=rpc.RequestContextSerializer())

    def _prepare(self, instance, timeout=None):
        return self._client.prepare(server=instance['host'], timeout=timeout)

    def _call(self, ctxt, instance, method, version=None, extra_seconds=0,
              **kwargs):
        """Call ``method`` on the instance's host and return its result.

        :raises ComputeHostNotResponding: no heartbeat came for ``[api]
            compute_call_monitor_timeout`` seconds.
        :raises ComputeHostUnavailable: no answer within ``[api]
            compute_call_timeout`` seconds (plus ``extra_seconds``, the
            time the work itself is known to take).
        """
        timeout = CONF.api.compute_call_timeout + extra_seconds
        monitor = CONF.api.compute_call_monitor_timeout
        client = self._client.prepare(
            server=instance['host'], timeout=timeout,
            call_monitor_timeout=monitor if monitor < timeout else None)
        if version is not None:
            client = client.prepare(version=version)
        started = time.monotonic()
        try:
            return client.call(ctxt, method, instance_uuid=instance['uuid'],
                               **kwargs)
        except messaging.MessagingTimeout:
            if time.monotonic() - started < timeout:
                # Only the call monitor fires before the whole timeout.
                raise exception.ComputeHostNotResponding(
                    host=instance['host'], timeout=monitor)
            raise exception.ComputeHostUnavailable(host=instance['host'],
                                                   timeout=timeout)

    def build_instance(self, ctxt, instance):
        """Ask the host to start the guest; returns at once (a cast)."""
        self._prepare(instance).cast(ctxt, 'build_instance',
                                     instance_uuid=instance['uuid'])

    def terminate_instance(self, ctxt, instance):
        """Remove the guest and the instance; waits for the host.

        :raises ComputeHostUnavailable: if the host does not answer within
            ``[api] compute_call_timeout`` seconds (or gives no sign of
            life for ``compute_call_monitor_timeout``).
        :raises InstanceDeleteFailed: the host could not remove the guest.
        """
        return self._call(ctxt, instance, 'terminate_instance')

    def get_console(self, ctxt, instance, protocol, console_type,
                    view_only=False, record=False):
        """``{'access_url': str}`` for a new console token of that pair.

        Asks for the lowest version that carries the arguments given, so
        agents that predate a feature still serve consoles without it:
        a full, unrecorded console of any agent (1.1), a view-only one of
        1.6 or later, a recorded one of 1.7 or later. ``view_only`` and
        ``record`` travel only when True.

        :param view_only: bool; its sessions only watch.
        :param record: bool; the proxy records the session.
        :raises ComputeHostUnavailable: as for terminate_instance.
        :raises ConsoleTypeUnavailable: if the guest has no such console.
        """
        kwargs = {'protocol': protocol, 'console_type': console_type}
        if view_only:
            kwargs['view_only'] = True
        if record:
            kwargs['record'] = True
        version = '1.7' if record else '1.6' if view_only else '1.1'
        return self._call(ctxt, instance, 'get_console', version=version,
                          **kwargs)

    def validate_console_port(self, ctxt, instance, port, console_type):
        """Whether ``port`` (int) is still the running guest's console of
        ``console_type`` (``novnc``, ``spice-html5``, ``serial``).

        :raises ComputeHostUnavailable: as for terminate_instance.
        :raises oslo_messaging.RemoteError: from an agent older than 1.2.
        """
        return self._call(ctxt, instance, 'validate_console_port',
                          version='1.2', port=port,
                          console_type=console_type)

    def snapshot_instance(self, ctxt, instance, image_id):
        """Ask the host to copy the guest's disk into queued image
        ``image_id``; returns at once (a cast, as Nova's)."""
        self._prepare(instance).prepare(version='1.3').cast(
            ctxt, 'snapshot_instance', instance_uuid=instance['uuid'],
            image_id=image_id)

    def stop_instance(self, ctxt, instance):
        """Have the host stop the guest (the instance holds
        ``powering-off``); returns once the host has taken the work.

        :raises ComputeHostUnavailable: as for terminate_instance.
        """
        self._call(ctxt, instance, 'stop_instance', version='1.4')

    def start_instance(self, ctxt, instance):
        """As :meth:`stop_instance`, to start the guest (``powering-on``)."""
        self._call(ctxt, instance, 'start_instance', version='1.4')

    def reboot_instance(self, ctxt, instance, reboot_type):
        """As :meth:`stop_instance`, to reboot the guest.

        :param reboot_type: ``SOFT`` or ``HARD``.
        """
        self._call(ctxt, instance, 'reboot_instance', version='1.4',
                   reboot_type=reboot_type)

    def get_console_output(self, ctxt, instance, length):
        """The end of the guest's serial output (str, see the agent's
        ``get_console_output`` for ``length``).

        :raises ComputeHostUnavailable: as for terminate_instance.
        """
        return self._call(ctxt, instance, 'get_console_output',
                          version='1.4', length=length)

    def get_screenshot(self, ctxt, instance):
        """The PNG (bytes) of the guest's screen.

        :raises ComputeHostUnavailable: as for terminate_instance.
        :raises ScreenshotTooLarge, HypervisorError: from the agent.
        """
        encoded = self._call(ctxt, instance, 'get_screenshot', version='1.5')
        return base64.b64decode(encoded)

    def send_keys(self, ctxt, instance, chords, hold_ms):
        """Have the host press ``chords`` (lists of Linux keycodes) one
        after another, each held ``hold_ms`` ms; returns once all are
        sent (the call's timeout grows by the time that takes).

        :raises ComputeHostUnavailable: as for terminate_instance.
        :raises HypervisorError: from the agent.
        """
        seconds = sum(keyboard.chord_seconds(chord, hold_ms)
                      for chord in chords)
        self._call(ctxt, instance, 'send_keys', version='1.5',
                   extra_seconds=seconds, chords=chords, hold_ms=hold_ms)


def console_port_checker():
    """The console proxy's check that a token's port is still its guest's.

    :returns: ``check(instance_uuid, instance_host, port, console_type)``
        calling the compute agent's ``validate_console_port`` for the
        instance's host over RPC (Nova's proxy check against
        CVE-2013-0335), or None when ``[console] validate_console_port``
        is off. The proxy calls it without importing compute.
    """
    if not CONF.console.validate_console_port:
        return None
    compute = ComputeAPI()
    admin = context.get_admin_context()

    def check(instance_uuid, instance_host, port, console_type):
        return compute.validate_console_port(
            admin, {'uuid': instance_uuid, 'host': instance_host}, port,
            console_type)

    return check
