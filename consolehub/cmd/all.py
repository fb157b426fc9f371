"""consolehub-all: API, compute agent and console proxy in one process.

With the defaults that is SQLite under ``[DEFAULT] state_path``, the
in-process ``fake://`` RPC transport and libvirt's embedded QEMU driver.
"""

import signal
import sys
import threading

from consolehub.conf import CONF
from consolehub.console import proxy
from consolehub import service


def main():
    service.prepare(sys.argv[1:])
    compute = service.ComputeService()
    compute.start()
    api = service.WSGIService(service.load_api_app(), CONF.api.listen,
                              CONF.api.listen_port, CONF.api.workers)
    api.start()
    console_proxy = proxy.run_in_thread()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    stop.wait()
    console_proxy.stop()
    api.stop()
    compute.stop()
