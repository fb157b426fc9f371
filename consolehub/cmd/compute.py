"""consolehub-compute: the compute agent of one host."""

import sys

from consolehub import service


def main():
    service.prepare(sys.argv[1:])
    compute = service.ComputeService()
    compute.start()
    service.wait_for_stop_signal()
    compute.stop()
