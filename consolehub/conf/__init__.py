"""Every configuration option of consolehub, registered on one ``CONF``.

One module per option group; :mod:`consolehub.conf.opts` lists them for
``oslo-config-generator``. Nothing outside this package declares options.
"""

from oslo_config import cfg

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

CONF = cfg.CONF

for _module in (default, api, compute, console, consoleauth, dashboard,
                database, image, libvirt, vnc, spice, serial_console, quota):
    _module.register_opts(CONF)
