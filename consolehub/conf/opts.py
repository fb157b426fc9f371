"""Entry point for oslo-config-generator: every option group we own."""

from consolehub.conf import api
from consolehub.conf import compute
from consolehub.conf import console
from consolehub.conf import consoleauth
from consolehub.conf import dashboard
from consolehub.conf import database
from consolehub.conf import default
from consolehub.conf import image
from consolehub.conf import libvirt
from consolehub.conf import quota
from consolehub.conf import serial_console
from consolehub.conf import spice
from consolehub.conf import vnc

_MODULES = (default, api, compute, console, consoleauth, dashboard,
            database, image, libvirt, vnc, spice, serial_console, quota)


def list_opts():
    """Return ``[(group, [opt, ...]), ...]`` for the sample config.

    oslo.messaging's and oslo.log's own groups come from their own
    ``oslo.config.opts`` entry points in the generator's config.
    """
    grouped = {}
    for module in _MODULES:
        for group, opts in module.list_opts().items():
            grouped.setdefault(group, []).extend(opts)
    return [(group, opts) for group, opts in grouped.items()]
