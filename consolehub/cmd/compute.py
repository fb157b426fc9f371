"""consolehub-compute: the compute agent of one host."""

import signal
import sys
import threading

from consolehub import service


def main():
    service.prepare(sys.argv[1:])
    compute = service.ComputeService()
    compute.start()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    stop.wait()
    compute.stop()
