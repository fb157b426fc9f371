"""Time the power actions and a dead agent's answer.

Actions: ``consolehub-all`` (SQLite, in-process RPC, embedded QEMU under
TCG) with serial consoles on and the test driver that boots the default
image (``tests.lifecycle_drivers.DefaultImageDriver``; the image is built
or found in ``.cache/images``). One 128 MiB guest goes ``--rounds`` times
through os-stop (the ACPI power button; the busybox guest powers off),
os-start, a soft reboot and a hard one, each waited for from the POST to
the instance idle in SHUTOFF or ACTIVE; then ``poweroff`` typed on its
serial console, to SHUTOFF. A diskless guest (SeaBIOS alone ignores the
button) shows the fallback: os-stop with ``shutdown_timeout = 2``.

Dead agent: ``consolehub-api`` and ``consolehub-compute`` apart on this
machine's RabbitMQ (SQLite file shared); the agent is killed (SIGKILL)
with an ACTIVE instance and ``--calls`` console requests are timed while
its heartbeat is still fresh.

Run from the repository root::

    python -m bench.lifecycle [--rounds 3] [--calls 5] [--part actions]
"""

import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time

from websockets.sync import client as ws_client

from tests import lifecycle_drivers
from tests.functional import qemu_guest
from tests.functional import servers
from tests.functional import test_lifecycle
from tests.functional import test_multiprocess as multiprocess

REPOSITORY = test_lifecycle.REPOSITORY


def _wait(api, instance_id, status, timeout=300):
    deadline = time.monotonic() + timeout
    while True:
        instance = api.request('GET', '/instances/' +
                               instance_id).json()['instance']
        if instance['status'] == status and instance['task_state'] is None:
            return
        if time.monotonic() > deadline:
            raise RuntimeError('%s is %s' % (instance_id, instance))
        time.sleep(0.02)


def _timed_action(api, instance_id, body, status):
    started = time.monotonic()
    response = api.request('POST', '/v2.1/servers/%s/action' % instance_id,
                           json=body)
    if response.status_code != 202:
        raise RuntimeError(response.text)
    _wait(api, instance_id, status)
    return time.monotonic() - started


def _summary(name, values):
    print('%-42s median %6.2f s  min %6.2f s  max %6.2f s  (n=%d)'
          % (name, statistics.median(values), min(values), max(values),
             len(values)))


def _typed_poweroff(api, instance_id):
    url = api.request('POST', '/servers/%s/remote-consoles' % instance_id,
                      json={'remote_console': {'protocol': 'serial',
                                               'type': 'serial'}}
                      ).json()['remote_console']['url']
    with ws_client.connect(url, open_timeout=10, proxy=None) as websocket:
        received = ''
        websocket.send(b'\r')
        while not re.search(re.escape(qemu_guest.PROMPT), received):
            received += websocket.recv(timeout=60).decode('utf-8', 'replace')
        started = time.monotonic()
        websocket.send(b'poweroff\r')
        _wait(api, instance_id, 'SHUTOFF')
        return time.monotonic() - started


def actions(rounds, work):
    image = test_lifecycle.IMAGE
    subprocess.run([test_lifecycle.BUILD_SCRIPT, image], check=True,
                   capture_output=True)
    serial_port = servers.free_port()
    options = {
        'DEFAULT': {
            'compute_driver': 'tests.lifecycle_drivers.DefaultImageDriver'},
        'serial_console': {'enabled': 'true',
                           'serialproxy_port': str(serial_port),
                           'base_url': 'ws://127.0.0.1:%d/' % serial_port},
    }
    env = {'PYTHONPATH': REPOSITORY,
           lifecycle_drivers.IMAGE_VARIABLE: image}
    figures = {}
    for name in ('actions', 'diskless'):
        os.makedirs(os.path.join(work, name))
    with servers.all_in_one(os.path.join(work, 'actions'), options,
                            (serial_port,), env) as deployment:
        api = servers.ApiClient(deployment.api_url,
                                deployment.create_token('demo', 'bench'))
        instance = api.create_instance('bench', memory_mb=128)
        api.wait_for_status(instance['id'], 'ACTIVE', 300)
        test_lifecycle._wait_boot(api, instance['id'], '', 300)
        for _ in range(rounds):
            for name, body, status in (
                    ('os-stop (ACPI) to SHUTOFF', {'os-stop': None},
                     'SHUTOFF'),
                    ('os-start to ACTIVE', {'os-start': None}, 'ACTIVE'),
                    ('soft reboot to ACTIVE', {'reboot': {'type': 'SOFT'}},
                     'ACTIVE'),
                    ('hard reboot to ACTIVE', {'reboot': {'type': 'HARD'}},
                     'ACTIVE')):
                anchor = test_lifecycle._anchor(api, instance['id'])
                figures.setdefault(name, []).append(
                    _timed_action(api, instance['id'], body, status))
                if status == 'ACTIVE':
                    # Booted again before the next action.
                    test_lifecycle._wait_boot(api, instance['id'], anchor,
                                              300)
        figures['poweroff typed in the guest to SHUTOFF'] = [
            _typed_poweroff(api, instance['id'])]
        api.request('DELETE', '/instances/' + instance['id'])
    options['DEFAULT'] = {'shutdown_timeout': '2'}
    with servers.all_in_one(os.path.join(work, 'diskless'),
                            options, (serial_port,)) as deployment:
        api = servers.ApiClient(deployment.api_url,
                                deployment.create_token('demo', 'bench'))
        instance = api.create_instance('diskless')
        api.wait_for_status(instance['id'], 'ACTIVE', 300)
        for _ in range(rounds):
            figures.setdefault(
                'diskless os-stop (2 s timeout) to SHUTOFF', []).append(
                _timed_action(api, instance['id'], {'os-stop': None},
                              'SHUTOFF'))
            _timed_action(api, instance['id'], {'os-start': None}, 'ACTIVE')
        api.request('DELETE', '/instances/' + instance['id'])
    for name, values in figures.items():
        _summary(name, values)


def dead_agent(calls, work):
    multiprocess._require_rabbitmq()
    run_id = os.urandom(4).hex()
    host = 'bench-%s' % run_id
    exchange = 'consolehub-bench-%s' % run_id
    os.makedirs(os.path.join(work, 'dead'))
    deployment = servers.Deployment(os.path.join(work, 'dead'), {
        'DEFAULT': {'transport_url': multiprocess.RABBIT_URL,
                    'control_exchange': exchange, 'host': host},
        'oslo_messaging_rabbit': {'rabbit_transient_queues_ttl': '60'}})
    try:
        deployment.manage('db', 'sync')
        agent = deployment.start('consolehub-compute')
        api_process = deployment.start('consolehub-api')
        api = servers.ApiClient(deployment.api_url,
                                deployment.create_token('demo', 'bench'))
        servers.wait_for_port(deployment.api_port, 60, api_process)
        deadline = time.monotonic() + 60
        while True:
            response = api.request('POST', '/instances',
                                   json={'instance': {'name': 'victim'}})
            if response.json()['instance']['host'] == host:
                break
            if time.monotonic() > deadline:
                raise RuntimeError('the agent never registered')
            time.sleep(0.2)
        instance = api.wait_for_status(response.json()['instance']['id'],
                                       'ACTIVE', 120)
        agent.kill()
        agent.wait()
        answers = []
        for _ in range(calls):
            started = time.monotonic()
            response = api.request(
                'POST', '/servers/%s/remote-consoles' % instance['id'],
                json={'remote_console': {'protocol': 'vnc',
                                         'type': 'novnc'}})
            answers.append(time.monotonic() - started)
            if response.status_code != 503:
                raise RuntimeError(response.text)
        _summary('dead agent: console request to 503', answers)
        # Its guest outlived it: end it with a fresh agent.
        deployment.start('consolehub-compute', name='compute-again')
        deadline = time.monotonic() + 60
        while api.request('DELETE', '/instances/' +
                          instance['id']).status_code not in (204, 404):
            if time.monotonic() > deadline:
                raise RuntimeError('the instance cannot be deleted')
            time.sleep(0.5)
    finally:
        deployment.stop()
        multiprocess.rabbit_delete([
            ('queue_delete', 'compute.%s' % host, {}),
            ('exchange_delete', exchange, {})])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--calls', type=int, default=5)
    parser.add_argument('--part', choices=['actions', 'dead-agent'],
                        action='append')
    args = parser.parse_args()
    parts = args.part or ['actions', 'dead-agent']
    with tempfile.TemporaryDirectory(prefix='bench-lifecycle-') as work:
        if 'actions' in parts:
            actions(args.rounds, work)
        if 'dead-agent' in parts:
            dead_agent(args.calls, work)


if __name__ == '__main__':
    main()
