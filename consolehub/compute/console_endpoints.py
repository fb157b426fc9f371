"""The compute agent's console methods: tokens, output, screen and keys.

:class:`ConsoleEndpoints` is a part of
:class:`consolehub.compute.manager.ComputeManager` (which it needs for
``driver``, ``serial_hubs`` and ``_power_state``); kept apart so that
each module holds one concern. The RPC calls are those of
:mod:`consolehub.compute.rpcapi`.
"""

import base64

import oslo_messaging as messaging

from consolehub.compute import console_output
from consolehub.compute import keyboard
from consolehub.compute import locks
from consolehub.conf import CONF
from consolehub import exception
from consolehub.objects import console_auth_token
from consolehub.virt import power_state

VNC_CONSOLE = ('vnc', 'novnc')
SPICE_CONSOLE = ('spice', 'spice-html5')
SERIAL_CONSOLE = ('serial', 'serial')

#: The driver method giving the endpoint of each console type.
_ENDPOINT_METHODS = {
    'novnc': 'get_vnc_console',
    'spice-html5': 'get_spice_console',
    'serial': 'get_serial_console',
}

#: The largest screenshot taken (bytes, before base64 for the RPC reply).
MAX_SCREENSHOT_BYTES = 16 * 1024 * 1024


class ConsoleEndpoints(object):
    """The manager's console RPC methods (see the module docstring)."""

    @messaging.expected_exceptions(exception.InstanceNotFound,
                                   exception.ConsoleTypeUnavailable)
    def get_vnc_console(self, context, instance_uuid):
        """Mint a noVNC console token; returns ``{'access_url': str}``."""
        return self._get_console(context, instance_uuid, VNC_CONSOLE)

    @messaging.expected_exceptions(exception.InstanceNotFound,
                                   exception.ConsoleTypeUnavailable)
    def get_console(self, context, instance_uuid, protocol, console_type,
                    view_only=False, record=False):
        """Mint a console token of ``(protocol, console_type)``, of the
        calling user; with ``view_only`` (bool, 1.6) its sessions only
        watch; with ``record`` (bool, 1.7) the proxy records its session.

        :returns: ``{'access_url': str}``.
        :raises ConsoleTypeUnavailable: the pair is unknown, disabled on
            this host or the guest has no such console.
        """
        pair = (protocol, console_type)
        if pair not in (VNC_CONSOLE, SPICE_CONSOLE, SERIAL_CONSOLE):
            raise exception.ConsoleTypeUnavailable(console_type=console_type)
        return self._get_console(context, instance_uuid, pair, view_only,
                                 record)

    def validate_console_port(self, context, instance_uuid, port,
                              console_type):
        """Whether ``port`` (int) is the running guest's ``console_type``
        console (``novnc``, ``spice-html5``, ``serial``), as Nova's method
        of that name: the proxy asks it before connecting, since a token
        may outlive its guest and the port pass to another guest.

        A serial console's port is its guest's serial hub's
        (:mod:`consolehub.compute.serial_hubs`).

        :returns: bool (False for a guest that is gone or stopped).
        """
        if console_type == 'serial' and self.serial_hubs.enabled():
            return (self.serial_hubs.validate_port(instance_uuid, port) and
                    self._power_state({'uuid': instance_uuid}) ==
                    power_state.RUNNING)
        return self.driver.validate_console_port(
            {'uuid': instance_uuid}, console_type, port)

    def _get_console(self, context, instance_uuid, pair, view_only=False,
                     record=False):
        # No second read of the instance: the API checked it a moment ago,
        # the driver finds the guest by UUID, and the proxy refuses tokens
        # of an instance deleted since.
        instance = {'uuid': instance_uuid}
        if pair == SERIAL_CONSOLE and self.serial_hubs.enabled():
            # The guest's serial hub, shared by every session.
            (host, port), path = (self.serial_hubs.endpoint(instance_uuid),
                                  None)
        else:
            host, port, path = getattr(
                self.driver, _ENDPOINT_METHODS[pair[1]])(instance)
        relay = CONF.console.compute_relay
        if relay and not path:
            # The proxy reaches the guest through the relay, asking it
            # with HTTP CONNECT for the console's own address.
            path = '%s:%d' % ('[%s]' % host if ':' in host else host, port)
            host, _sep, relay_port = relay.rpartition(':')
            host, port = host.strip('[]'), int(relay_port)
        raw_token, _row = console_auth_token.mint(context, pair, host, port,
                                                  instance_uuid, path,
                                                  view_only=view_only,
                                                  record=record)
        return {'access_url': console_auth_token.access_url(pair, raw_token)}

    def get_console_output(self, context, instance_uuid, length=None):
        """The end of the guest's serial output, as text.

        Invalid UTF-8 is replaced (U+FFFD), never an error.

        :param length: the number of last lines (Nova's
            ``os-getConsoleOutput``); None or a negative number: all of
            the log (at most ``[serial_console] log_max_bytes``).
        :returns: str.
        """
        data = self.driver.get_console_output({'uuid': instance_uuid})
        return console_output.tail_lines(data.decode('utf-8', 'replace'),
                                         length)

    @messaging.expected_exceptions(exception.InstanceNotFound,
                                   exception.HypervisorError)
    def get_screenshot(self, context, instance_uuid):
        """The PNG of the guest's screen, base64-encoded (str), at most
        :data:`MAX_SCREENSHOT_BYTES` before encoding."""
        image = self.driver.screenshot({'uuid': instance_uuid},
                                       MAX_SCREENSHOT_BYTES)
        return base64.b64encode(image).decode('ascii')

    @messaging.expected_exceptions(exception.InstanceNotFound,
                                   exception.HypervisorError)
    def send_keys(self, context, instance_uuid, chords, hold_ms):
        """Press ``chords`` (lists of Linux keycodes) one after another,
        each held ``hold_ms`` milliseconds; returns when all are sent."""
        with locks.keyboard_lock(instance_uuid):
            keyboard.send_chords(self.driver, {'uuid': instance_uuid},
                                 chords, hold_ms)
