"""consolehub-novncproxy: the noVNC websocket console proxy."""

import sys

from consolehub.console import proxy
from consolehub import service


def main():
    service.prepare(sys.argv[1:])
    proxy.main_loop()
