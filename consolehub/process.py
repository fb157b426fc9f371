"""What every consolehub process does first and last: read its
configuration, set up logging, and wait for the signal to stop."""

import signal
import threading

from oslo_log import log as logging

from consolehub.conf import CONF
from consolehub import rpc


def prepare(argv, description=None):
    """Parse ``argv`` (without the program name) and set up logging.

    Reads the config files oslo.config finds (``--config-file``,
    ``/etc/consolehub/consolehub.conf``, ...).
    """
    logging.register_options(CONF)
    rpc.set_defaults(CONF)
    CONF(argv, project='consolehub', description=description)
    logging.setup(CONF, 'consolehub')


def wait_for_stop_signal():
    """Block until SIGTERM or SIGINT arrives (main thread only)."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    stop.wait()
