"""consolehub-all: API, compute agent and console proxy in one process.

With the defaults that is SQLite under ``[DEFAULT] state_path``, the
in-process ``fake://`` RPC transport and libvirt's embedded QEMU driver.
"""

import sys

from consolehub.console import proxy
from consolehub import service


def main():
    service.prepare(sys.argv[1:])
    compute = service.ComputeService()
    compute.start()
    api = service.api_service()
    api.start()
    console_proxy = proxy.run_in_thread()
    service.wait_for_stop_signal()
    console_proxy.stop()
    api.stop()
    compute.stop()
