"""consolehub-compute: the compute agent of one host."""

import sys

from consolehub.compute import service as compute_service
from consolehub import process


def main():
    process.prepare(sys.argv[1:])
    compute = compute_service.ComputeService()
    compute.start()
    process.wait_for_stop_signal()
    compute.stop()
