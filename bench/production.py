"""Benchmarks on the production stack: uwsgi, RabbitMQ, PostgreSQL.

One run starts a fresh PostgreSQL database, a compute agent (real QEMU
guests under libvirt's embedded driver) and the noVNC proxy on this
machine's RabbitMQ, and the API under uwsgi with the shipped
``etc/uwsgi/consolehub-api.ini``. Then, each beside its baseline measured
in the same run:

``console-url``
    ``POST /servers/{id}/remote-consoles`` one after another over one
    keep-alive connection (median, p99), beside a bare oslo.messaging
    call round trip (``bench/rpc_echo.py``) on the same broker.
``throughput``
    wrk on ``GET /instances`` (1,000 instances in the database) and
    ``GET /instances/{id}``, beside ``bench/minimal_wsgi.py`` under the
    same uwsgi settings (the same ini, ``module`` changed).
``create-to-console``
    ``POST /instances`` until a websocket through the proxy shows the
    guest's ``RFB 003.008`` banner (median over ``--instances``).

Run from the repository root as root (QEMU under the embedded driver)::

    python -m bench.production [--requests 1000] [--instances 20] \\
        [--wrk-duration 10] [--wrk-connections 8] [PART ...]

PART is any of console-url, throughput, create-to-console (all by
default). Needs RabbitMQ and PostgreSQL on 127.0.0.1, uwsgi in the venv
and wrk on PATH.
"""

import argparse
import datetime
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import oslo_messaging as messaging
from oslo_config import cfg
from websockets.sync import client as ws_client

from consolehub import rpc
from tests.functional import databases
from tests.functional import servers
from tests.functional import stack as stack_lib
from tests.functional import uwsgi_server

PARTS = ('console-url', 'throughput', 'create-to-console')
RABBIT_URL = stack_lib.RABBIT_URL
ECHO_TOPIC = 'bench-echo'


def _delete_queues(names):
    """Best effort: delete the echo server's queues (the shared topic
    queue only when nothing consumes from it)."""
    stack_lib.rabbit_delete([
        ('queue_delete', name, {'if_unused': name == ECHO_TOPIC})
        for name in names])


def _percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _summary(values_ms):
    return {'n': len(values_ms), 'median': statistics.median(values_ms),
            'p99': _percentile(values_ms, 0.99), 'max': max(values_ms),
            'mean': statistics.fmean(values_ms)}


class Stack(object):
    """Agent, proxy and uwsgi on RabbitMQ and a fresh PostgreSQL DB."""

    def __init__(self, state_path):
        if uwsgi_server.uwsgi_binary() is None:
            raise SystemExit('uwsgi is not installed (pip install uwsgi)')
        self.run_id = uuid.uuid4().hex[:10]
        self.exchange = 'consolehub-bench-%s' % self.run_id
        self.host = 'bench-%s' % self.run_id
        self.database = databases.create(databases.POSTGRESQL,
                                         prefix='consolehub_bench')
        self.deployment = servers.Deployment(state_path, {
            'DEFAULT': {'transport_url': RABBIT_URL,
                        'control_exchange': self.exchange,
                        'host': self.host, 'debug': 'false'},
            'database': {'connection': self.database.url},
            'oslo_messaging_rabbit': {'rabbit_transient_queues_ttl': '60'},
            # 1,000 rows of one project, then more creates: no quota.
            'quota': {'instances': '-1', 'cores': '-1', 'ram': '-1'},
        })
        self.uwsgi_port = servers.free_port()
        self.echo = None
        self.guests = []

    @property
    def api_url(self):
        return 'http://127.0.0.1:%s' % self.uwsgi_port

    def start(self):
        deployment = self.deployment
        deployment.manage('db', 'sync')
        agent = deployment.start('consolehub-compute', name='compute')
        deployment.start('consolehub-novncproxy',
                         wait_port=deployment.proxy_port)
        self.token = deployment.create_token('bench', 'bench')
        uwsgi_server.start_uwsgi(deployment, self.uwsgi_port)
        deadline = time.monotonic() + 60
        while stack_lib.compute_hosts(self.database) != [self.host]:
            if agent.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError('the compute agent did not register')
            time.sleep(0.2)
        self.api = servers.ApiClient(self.api_url, self.token)
        self._wait_for_workers()

    def _wait_for_workers(self):
        """Until every uwsgi worker has loaded the app (lazy-apps)."""
        log = os.path.join(self.deployment.state_path, 'uwsgi.out')
        deadline = time.monotonic() + 120
        while True:
            with open(log) as text:
                ready = text.read().count("WSGI app 0 (mountpoint='') ready")
            if ready >= 4:
                return
            if time.monotonic() > deadline:
                raise RuntimeError('uwsgi workers not ready: %s' % ready)
            time.sleep(0.2)

    def close(self):
        try:
            if self.echo is not None and self.echo.poll() is None:
                self.echo.send_signal(signal.SIGTERM)
                self.echo.wait(20)
            self.deployment.stop()
        finally:
            # Guests a failed run left behind.
            for instance_uuid in self.guests:
                servers.kill_guest(instance_uuid)
            self.database.drop()
            stack_lib.rabbit_cleanup(self.exchange, [self.host])
            _delete_queues(['%s.echo-%s' % (ECHO_TOPIC, self.run_id),
                            ECHO_TOPIC])


# -- console URL latency vs bare RPC ----------------------------------------

def _register_rabbit_opts(conf):
    # The driver registers them only when the transport is made.
    from oslo_messaging import opts as messaging_opts
    for group, opts in messaging_opts.list_opts():
        if group == 'oslo_messaging_rabbit':
            conf.register_opts(opts, group=group)


def _bare_rpc(stack, count):
    """Milliseconds of ``count`` bare RPC calls (after 50 to warm up)."""
    server = 'echo-' + stack.run_id
    stack.echo = subprocess.Popen(
        [sys.executable, '-m', 'bench.rpc_echo', RABBIT_URL, stack.exchange,
         ECHO_TOPIC, server], stdout=subprocess.PIPE, text=True)
    assert stack.echo.stdout.readline().strip() == 'ready'
    # oslo.messaging registers some options (tracing) on the global
    # CONF only; set it up as consolehub's services do.
    conf = cfg.CONF
    rpc.set_defaults(conf)
    conf([], project='bench', default_config_files=[])
    conf.set_override('control_exchange', stack.exchange)
    _register_rabbit_opts(conf)
    # The client's reply queue goes a minute after the run.
    conf.set_override('rabbit_transient_queues_ttl', 60,
                      group='oslo_messaging_rabbit')
    transport = messaging.get_rpc_transport(conf, url=RABBIT_URL)
    try:
        client = messaging.get_rpc_client(
            transport, messaging.Target(topic=ECHO_TOPIC, server=server,
                                        version='1.0'), timeout=30)
        times = []
        for number in range(50 + count):
            started = time.perf_counter()
            assert client.call({}, 'echo', value='x' * 64) == 'x' * 64
            if number >= 50:
                times.append((time.perf_counter() - started) * 1000)
        return times
    finally:
        transport.cleanup()


def _direct_console_rpc(stack, instance, count):
    """Milliseconds of ``count`` ``get_console`` calls made straight to the
    agent with consolehub's RPC client (no HTTP, no API): the RPC call
    plus the agent's work, for the breakdown. Run after :func:`_bare_rpc`,
    which set up ``cfg.CONF``."""
    from consolehub.compute import rpcapi
    from consolehub import context as consolehub_context
    conf = cfg.CONF
    conf.set_override('transport_url', RABBIT_URL)
    client = rpcapi.ComputeAPI()
    context = consolehub_context.RequestContext(
        user_id='bench', project_id='bench', roles=['member'])
    times = []
    try:
        for number in range(50 + count):
            started = time.perf_counter()
            reply = client.get_console(context, instance, 'vnc', 'novnc')
            elapsed = (time.perf_counter() - started) * 1000
            assert reply['access_url'].startswith('http'), reply
            if number >= 50:
                times.append(elapsed)
    finally:
        rpc.cleanup()
    return times


def _console_urls(stack, instance_id, count):
    session = stack.api.session
    url = stack.api_url + '/servers/%s/remote-consoles' % instance_id
    body = {'remote_console': {'protocol': 'vnc', 'type': 'novnc'}}
    times = []
    for number in range(50 + count):
        started = time.perf_counter()
        response = session.post(url, json=body, timeout=60)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.text
        if number >= 50:
            times.append(elapsed)
    return times


def _gets(session, url, count):
    """Milliseconds of ``count`` GETs of ``url`` (after 50 to warm up)."""
    times = []
    for number in range(50 + count):
        started = time.perf_counter()
        response = session.get(url, timeout=60)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.text
        if number >= 50:
            times.append(elapsed)
    return times


def console_url(stack, count):
    instance = stack.api.create_instance('bench-console')
    stack.guests.append(instance['id'])
    stack.api.wait_for_status(instance['id'], 'ACTIVE', 180)
    bare = _summary(_bare_rpc(stack, count))
    direct = _summary(_direct_console_rpc(
        stack, {'uuid': instance['id'], 'host': stack.host}, count))
    console = _summary(_console_urls(stack, instance['id'], count))
    # The API alone (auth, one instance query, no RPC), and HTTP alone (the
    # same client and uwsgi settings, a minimal app), for the breakdown.
    show = _summary(_gets(stack.api.session,
                          stack.api_url + '/instances/' + instance['id'],
                          count))
    minimal_port, minimal = _start_minimal(stack)
    try:
        floor = _summary(_gets(stack.api.session,
                               'http://127.0.0.1:%s/' % minimal_port, count))
    finally:
        minimal.send_signal(signal.SIGTERM)
        minimal.wait(30)
    stack.api.request('DELETE', '/instances/' + instance['id'])
    print('\n== POST /servers/{id}/remote-consoles over uwsgi + RabbitMQ + '
          'PostgreSQL, one client, keep-alive')
    print('%-34s %6s %9s %9s %9s' % ('', 'n', 'median', 'p99', 'max'))
    for label, figures in (('bare oslo.messaging call (ms)', bare),
                           ('get_console RPC, no HTTP (ms)', direct),
                           ('console URL request (ms)', console),
                           ('GET /instances/{id}, no RPC (ms)', show),
                           ('GET of a minimal WSGI app (ms)', floor)):
        print('%-34s %6d %9.2f %9.2f %9.2f' % (
            label, figures['n'], figures['median'], figures['p99'],
            figures['max']))
    ratio = console['median'] / bare['median']
    print('median ratio console / bare RPC: %.2fx (target <= 1.5x: %s)'
          % (ratio, 'met' if ratio <= 1.5 else 'NOT met'))
    return {'bare_rpc': bare, 'direct_rpc': direct, 'console_url': console,
            'show': show, 'http_floor': floor,
            'ratio': ratio}


# -- throughput with wrk ------------------------------------------------------

def _insert_instances(stack, count):
    now = datetime.datetime.utcnow().replace(microsecond=0)
    rows = [{'uuid': str(uuid.uuid4()), 'name': 'bulk-%04d' % number,
             'status': 'ACTIVE', 'host': stack.host, 'project_id': 'bench',
             'user_id': 'bench', 'memory_mb': 64, 'vcpus': 1,
             'created_at': now, 'updated_at': now}
            for number in range(count)]
    with stack.database.engine.begin() as connection:
        import sqlalchemy as sa
        connection.execute(sa.text(
            'INSERT INTO instances (uuid, name, status, host, project_id, '
            'user_id, memory_mb, vcpus, created_at, updated_at) VALUES '
            '(:uuid, :name, :status, :host, :project_id, :user_id, '
            ':memory_mb, :vcpus, :created_at, :updated_at)'), rows)
    return [row['uuid'] for row in rows]


def _wrk(url, duration, connections, headers=()):
    wrk = shutil.which('wrk')
    if wrk is None:
        raise SystemExit('wrk is not installed (apt-get install -y wrk)')
    command = [wrk, '-t2', '-c%d' % connections, '-d%ds' % duration,
               '--latency']
    for header in headers:
        command += ['-H', header]
    out = subprocess.run(command + [url], capture_output=True, text=True,
                         check=True).stdout
    rate = float(re.search(r'Requests/sec:\s+([0-9.]+)', out).group(1))
    errors = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
    socket_errors = re.search(r'Socket errors: (.*)', out)
    latency = re.search(r'\s50%\s+(\S+)', out).group(1)
    p99 = re.search(r'\s99%\s+(\S+)', out).group(1)
    if errors or socket_errors:
        raise RuntimeError('wrk saw errors on %s:\n%s' % (url, out))
    return {'rps': rate, 'p50': latency, 'p99': p99}


def _minimal_ini(stack):
    """The shipped ini with ``module`` pointing at the minimal app."""
    with open(uwsgi_server.UWSGI_INI) as shipped:
        text = shipped.read()
    text, replaced = re.subn(r'(?m)^module = .*$',
                             'module = bench.minimal_wsgi:application', text)
    assert replaced == 1
    path = os.path.join(stack.deployment.state_path, 'minimal-uwsgi.ini')
    with open(path, 'w') as ini:
        ini.write(text)
    return path


def _start_minimal(stack):
    """``(port, process)`` of uwsgi serving the minimal app."""
    port = servers.free_port()
    process = uwsgi_server.start_uwsgi(
        stack.deployment, port, ini=_minimal_ini(stack),
        extra_env={'PYTHONPATH': os.getcwd()}, name='minimal-uwsgi')
    return port, process


def throughput(stack, duration, connections):
    uuids = _insert_instances(stack, 1000)
    listing = stack.api.request('GET', '/instances')
    assert len(listing.json()['instances']) == 1000, listing.text[:200]
    one = stack.api.request('GET', '/instances/' + uuids[500])
    assert one.status_code == 200
    minimal_port, minimal = _start_minimal(stack)
    header = ['X-Auth-Token: %s' % stack.token]
    results = {}
    try:
        # Warm up every worker's connections and caches.
        for url, headers in (
                (stack.api_url + '/instances/' + uuids[500], header),
                ('http://127.0.0.1:%s/' % minimal_port, ())):
            _wrk(url, 2, connections, headers)
        results['minimal'] = _wrk('http://127.0.0.1:%s/' % minimal_port,
                                  duration, connections)
        results['show'] = _wrk(stack.api_url + '/instances/' + uuids[500],
                               duration, connections, header)
        results['list'] = _wrk(stack.api_url + '/instances', duration,
                               connections, header)
    finally:
        minimal.send_signal(signal.SIGTERM)
        minimal.wait(30)
    print('\n== wrk -t2 -c%d -d%ds, uwsgi 4 workers (etc/uwsgi/'
          'consolehub-api.ini), %d bytes per list response'
          % (connections, duration, len(listing.content)))
    print('%-44s %10s %8s %9s %9s' % ('', 'req/s', 'ratio', 'p50', 'p99'))
    base = results['minimal']['rps']
    for key, label in (('minimal', 'minimal WSGI app'),
                       ('show', 'GET /instances/{id}'),
                       ('list', 'GET /instances (1,000 instances)')):
        figures = results[key]
        print('%-44s %10.1f %7.3fx %9s %9s' % (
            label, figures['rps'], figures['rps'] / base, figures['p50'],
            figures['p99']))
    return results


# -- create to console ready --------------------------------------------------

def create_to_console(stack, count):
    times, banner_ms = [], []
    proxy_port = stack.deployment.proxy_port
    for number in range(count):
        started = time.perf_counter()
        instance = stack.api.create_instance('bench-ready-%d' % number)
        stack.guests.append(instance['id'])
        stack.api.wait_for_status(instance['id'], 'ACTIVE', 180)
        token = servers.novnc_token(stack.api.console_url(instance['id']))
        connect = time.perf_counter()
        with ws_client.connect('ws://127.0.0.1:%s/?token=%s'
                               % (proxy_port, token),
                               open_timeout=30) as websocket:
            assert websocket.recv(timeout=30) == b'RFB 003.008\n'
        done = time.perf_counter()
        times.append((done - started) * 1000)
        banner_ms.append((done - connect) * 1000)
        response = stack.api.request('DELETE', '/instances/' + instance['id'])
        assert response.status_code == 204, response.text
    figures = _summary(times)
    print('\n== POST /instances -> ACTIVE -> console URL -> websocket -> RFB '
          'banner, real QEMU (TCG) guests, one at a time')
    print('n=%d  median %.0f ms  p99 %.0f ms  max %.0f ms  (of which '
          'websocket to banner: median %.1f ms)' % (
              figures['n'], figures['median'], figures['p99'],
              figures['max'], statistics.median(banner_ms)))
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('parts', nargs='*', metavar='PART',
                        help='any of %s (default: all)' % ', '.join(PARTS))
    parser.add_argument('--requests', type=int, default=1000)
    parser.add_argument('--instances', type=int, default=20)
    parser.add_argument('--wrk-duration', type=int, default=10)
    parser.add_argument('--wrk-connections', type=int, default=8)
    args = parser.parse_args()
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error('unknown part(s): %s' % ', '.join(sorted(unknown)))
    args.parts = args.parts or list(PARTS)
    print('%s, %d CPUs, Python %s' % (time.strftime('%Y-%m-%d %H:%M UTC',
                                                    time.gmtime()),
                                      os.cpu_count(),
                                      sys.version.split()[0]))
    with tempfile.TemporaryDirectory() as state_path:
        stack = Stack(state_path)
        try:
            stack.start()
            if 'console-url' in args.parts:
                console_url(stack, args.requests)
            if 'create-to-console' in args.parts:
                create_to_console(stack, args.instances)
            if 'throughput' in args.parts:
                throughput(stack, args.wrk_duration, args.wrk_connections)
        finally:
            stack.close()


if __name__ == '__main__':
    main()
