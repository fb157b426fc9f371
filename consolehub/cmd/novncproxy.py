"""consolehub-novncproxy: the websocket console proxy."""

import sys

from consolehub.console import proxy
from consolehub import process


def main():
    process.prepare(sys.argv[1:])
    proxy.main_loop()
