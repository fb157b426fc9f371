"""consolehub-novncproxy: the websocket console proxy."""

import sys

from consolehub.console import service as proxy_service
from consolehub import process


def main():
    process.prepare(sys.argv[1:])
    proxy_service.main_loop()
