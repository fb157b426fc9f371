"""consolehub-all: API, compute agent and console proxy in one process.

With the defaults that is SQLite under ``[DEFAULT] state_path``, the
in-process ``fake://`` RPC transport and libvirt's embedded QEMU driver.
"""

import sys

from consolehub.api import server as api_server
from consolehub.compute import rpcapi as compute_rpcapi
from consolehub.compute import service as compute_service
from consolehub.console import service as proxy_service
from consolehub import process


def main():
    process.prepare(sys.argv[1:])
    compute = compute_service.ComputeService()
    compute.start()
    api = api_server.api_service()
    api.start()
    console_proxy = proxy_service.run_in_thread(
        compute_rpcapi.console_port_checker())
    process.wait_for_stop_signal()
    console_proxy.stop()
    api.stop()
    compute.stop()
