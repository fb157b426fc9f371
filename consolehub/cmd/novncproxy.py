"""consolehub-novncproxy: the websocket console proxy."""

import sys

from consolehub.compute import rpcapi as compute_rpcapi
from consolehub.console import service as proxy_service
from consolehub import process


def main():
    process.prepare(sys.argv[1:])
    proxy_service.main_loop(compute_rpcapi.console_port_checker())
