"""Time the console path on ``consolehub-all`` with real QEMU guests.

Per instance: POST /instances until ACTIVE, POST remote-consoles until the
URL is back, and websocket connect through the proxy until the guest's
``RFB 003.008`` banner. Prints the median and the slowest of each, in
milliseconds. Run from the repository root::

    python -m bench.console_path [--instances 10]
"""

import argparse
import statistics
import tempfile
import time

from websockets.sync import client as ws_client

from tests.functional import servers


def measure(count):
    """``{phase: [milliseconds, ...]}`` over ``count`` instances."""
    figures = {'create_to_active': [], 'console_url': [],
               'connect_to_banner': []}
    with tempfile.TemporaryDirectory() as state_path, servers.all_in_one(
            state_path, {'DEFAULT': {'debug': 'false'},
                         # --instances may pass the default quota of 10.
                         'quota': {'instances': '-1', 'cores': '-1',
                                   'ram': '-1'}}) as deployment:
        api = servers.ApiClient(deployment.api_url,
                                deployment.create_token('bench', 'bench'))
        # The first guest on a new libvirt root also pays for QEMU's
        # capability probe; it is reported apart.
        warm = api.create_instance('warm-up')
        started = time.monotonic()
        api.wait_for_status(warm['id'], 'ACTIVE', timeout=120)
        first = (time.monotonic() - started) * 1000
        for number in range(count):
            started = time.monotonic()
            instance = api.create_instance('bench-%d' % number)
            api.wait_for_status(instance['id'], 'ACTIVE', timeout=120)
            figures['create_to_active'].append(
                (time.monotonic() - started) * 1000)
            started = time.monotonic()
            url = api.console_url(instance['id'])
            figures['console_url'].append(
                (time.monotonic() - started) * 1000)
            started = time.monotonic()
            token = servers.novnc_token(url)
            with ws_client.connect('ws://127.0.0.1:%s/?token=%s' % (
                    deployment.proxy_port, token)) as ws:
                assert ws.recv(timeout=10) == b'RFB 003.008\n'
            figures['connect_to_banner'].append(
                (time.monotonic() - started) * 1000)
            api.request('DELETE', '/instances/' + instance['id'])
        api.request('DELETE', '/instances/' + warm['id'])
    return first, figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--instances', type=int, default=10)
    args = parser.parse_args()
    first, figures = measure(args.instances)
    print('first guest on a new libvirt root: %.0f ms to ACTIVE' % first)
    print('%-20s %10s %10s  (n=%d)' % ('phase', 'median ms', 'max ms',
                                       args.instances))
    for phase, values in figures.items():
        print('%-20s %10.1f %10.1f' % (phase, statistics.median(values),
                                       max(values)))


if __name__ == '__main__':
    main()
