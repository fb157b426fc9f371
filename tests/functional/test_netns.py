"""Several hosts on one machine: network namespaces made by the test.

Topology (every address is private and exists only inside this test's
namespaces and the bridge it makes; ``N`` is random per run)::

    root namespace             bridge chb<id>, 10.N.N.1/24
      relays 10.N.N.1:* -> 127.0.0.1:5432 (PostgreSQL), :5672 (RabbitMQ)
    namespace ctl<id>  eth0    10.N.N.2   consolehub-api, -novncproxy
    namespace cha<id>  eth0    10.N.N.3   consolehub-compute "a"
    namespace chb<id>  eth0    10.N.N.4   consolehub-compute "b"

Each compute agent runs inside its namespace (``ip netns exec``) and its
guests' VNC servers listen on that namespace's address
(``[vnc] server_listen``), so the proxy in the control namespace reaches
them over the bridge exactly as it would reach another machine.

PostgreSQL and RabbitMQ listen on the root namespace's loopback only,
which no other namespace can reach. Rather than reconfigure the servers
(``listen_addresses``, RabbitMQ's ``loopback_users``, pg_hba.conf), the
test relays TCP from the root namespace's bridge address to them: the
services connect to 10.N.N.1, exactly as to a database host, and the
servers see loopback clients as they do for every other test.

Needs root (CAP_NET_ADMIN) and ``ip``; it skips with the reason when a
namespace, bridge or veth cannot be made. Everything it makes (processes,
namespaces, bridge and veths, database, RabbitMQ queues) goes at the end.
"""

import ipaddress
import os
import random
import socket
import subprocess
import time
import uuid

import pytest
import requests

from tests.functional import databases
from tests.functional import relay
from tests.functional import rfb
from tests.functional import servers
from tests.functional import stack as stack_lib
from tests import waiting

IP = '/usr/sbin/ip' if os.path.exists('/usr/sbin/ip') else 'ip'

pytestmark = stack_lib.NEEDS_GUESTS


def _ip(*args, namespace=None):
    command = [IP] + (['-n', namespace] if namespace else []) + list(args)
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError('%s: %s' % (' '.join(command),
                                       result.stderr.strip()))
    return result.stdout


def _unused_prefix():
    """``10.A.B`` of a /24 that no route of this machine covers."""
    routes = []
    for line in _ip('-4', 'route', 'show', 'table', 'all').splitlines():
        destination = line.split()[0] if line.split() else ''
        if destination[:1].isdigit():
            routes.append(ipaddress.ip_network(destination, strict=False))
    for _attempt in range(100):
        prefix = '10.%d.%d' % (random.randint(200, 250),
                               random.randint(0, 255))
        network = ipaddress.ip_network(prefix + '.0/24')
        if not any(network.overlaps(route) for route in routes):
            return prefix
    raise RuntimeError('no free 10.x.y.0/24 for the test network')


class Network(object):
    """A bridge in the root namespace and namespaces hanging off it."""

    def __init__(self):
        self.id = uuid.uuid4().hex[:6]
        self.prefix = _unused_prefix()
        self.bridge = 'chbr%s' % self.id
        self.gateway = self.prefix + '.1'
        self.namespaces = []
        self._veths = []

    def create(self):
        _ip('link', 'add', self.bridge, 'type', 'bridge')
        _ip('addr', 'add', self.gateway + '/24', 'dev', self.bridge)
        _ip('link', 'set', self.bridge, 'up')

    def add_namespace(self, role, number):
        """A namespace ``ch<role><id>`` with eth0 = ``prefix.<number>``."""
        name = 'ch%s%s' % (role, self.id)
        outside = 'chv%s%s' % (role, self.id)
        _ip('netns', 'add', name)
        self.namespaces.append(name)
        _ip('link', 'add', outside, 'type', 'veth', 'peer', 'name',
            'eth0', 'netns', name)
        self._veths.append(outside)
        _ip('link', 'set', outside, 'master', self.bridge)
        _ip('link', 'set', outside, 'up')
        address = '%s.%d' % (self.prefix, number)
        _ip('addr', 'add', address + '/24', 'dev', 'eth0', namespace=name)
        _ip('link', 'set', 'eth0', 'up', namespace=name)
        _ip('link', 'set', 'lo', 'up', namespace=name)
        return name, address

    def destroy(self):
        for name in self.namespaces:
            subprocess.run([IP, 'netns', 'del', name],
                           stderr=subprocess.DEVNULL)
        for veth in self._veths:
            subprocess.run([IP, 'link', 'del', veth],
                           stderr=subprocess.DEVNULL)
        subprocess.run([IP, 'link', 'del', self.bridge],
                       stderr=subprocess.DEVNULL)


def _start_in(deployment, namespace, command, name, config_files=()):
    """Start a console script inside ``namespace`` (``ip netns exec``)."""
    args = [IP, 'netns', 'exec', namespace,
            os.path.join(servers.BIN_DIR, command),
            '--config-file', deployment.config_file]
    for path in config_files:
        args += ['--config-file', path]
    args += ['--log-file', os.path.join(deployment.state_path,
                                        name + '.log')]
    log = open(os.path.join(deployment.state_path, name + '.out'), 'ab')
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deployment.processes.append(process)
    return process


def _listening(namespace):
    """``ss -ltn`` local addresses inside ``namespace``."""
    out = subprocess.run([IP, 'netns', 'exec', namespace, 'ss', '-Hltn'],
                         capture_output=True, text=True, check=True).stdout
    return [line.split()[3] for line in out.splitlines() if line.strip()]


def _desktop_name(proxy, token):
    """Open the console through ``proxy`` (host, port); RFB to ServerInit."""
    return rfb.desktop_name('ws://%s:%s/?token=%s'
                            % (proxy[0], proxy[1], token))


@pytest.fixture
def network():
    if os.geteuid() != 0:
        pytest.skip('network namespaces need root (CAP_NET_ADMIN)')
    net = Network()
    try:
        try:
            net.create()
            control = net.add_namespace('c', 2)
            host_a = net.add_namespace('a', 3)
            host_b = net.add_namespace('b', 4)
        except (RuntimeError, OSError) as error:
            pytest.skip('cannot make network namespaces here: %s' % error)
        net.control, net.host_a, net.host_b = control, host_a, host_b
        yield net
    finally:
        net.destroy()


def test_agents_in_namespaces_consoles_through_the_proxy(
        network, make_stack, tmp_path_factory):
    stack = make_stack(databases.POSTGRESQL, hosts=('a', 'b'))
    deployment, database = stack.deployment, stack.database
    stack.sync_schema()
    gateway = network.gateway
    guests = []
    with relay.Relay((gateway, 0), ('127.0.0.1', 5432)) as pg, \
            relay.Relay((gateway, 0), ('127.0.0.1', 5672)) as rabbit:
        try:
            _run(network, stack, deployment, database, pg, rabbit, guests,
                 tmp_path_factory)
        finally:
            deployment.stop()
            for instance_uuid in guests:
                servers.kill_guest(instance_uuid)


def _run(network, stack, deployment, database, pg, rabbit, guests,
         tmp_path_factory):
    ctl_ns, ctl_address = network.control
    # What every service in a namespace shares: the broker and the
    # database through the root namespace's bridge address.
    remote = deployment.write_config('netns.conf', {
        'DEFAULT': {
            'transport_url': 'rabbit://guest:guest@%s:%s/' % (
                network.gateway, rabbit.port),
            'report_interval': '1', 'service_down_time': '5'},
        'database': {'connection': 'postgresql+psycopg2://postgres@%s:%s/%s'
                                   % (network.gateway, pg.port,
                                      database.name)},
        'api': {'listen': ctl_address, 'compute_call_timeout': '20'},
        'vnc': {'novncproxy_host': ctl_address,
                'novncproxy_base_url': 'http://%s:%s/vnc_lite.html' % (
                    ctl_address, deployment.proxy_port)},
    })
    agents = {}
    for host, (namespace, address) in zip(
            stack.hosts, (network.host_a, network.host_b)):
        state = str(tmp_path_factory.mktemp('ns'))
        config = deployment.write_config('compute-%s.conf' % host, {
            'DEFAULT': {'host': host, 'state_path': state},
            'vnc': {'server_listen': address,
                    'server_proxyclient_address': address},
        })
        agents[host] = (namespace, address, config)
    processes = {host: _start_in(deployment, namespace, 'consolehub-compute',
                                 'compute-' + host, [remote, config])
                 for host, (namespace, address, config) in agents.items()}
    api = _start_in(deployment, ctl_ns, 'consolehub-api', 'api', [remote])
    proxy = _start_in(deployment, ctl_ns, 'consolehub-novncproxy', 'proxy',
                      [remote])
    user = deployment.create_token('demo', 'alice')
    admin = deployment.create_token('ops', 'root', roles=['admin'])
    servers.wait_for_port(deployment.api_port, 60, api, address=ctl_address)
    servers.wait_for_port(deployment.proxy_port, 60, proxy,
                          address=ctl_address)
    # The services in the control namespace listen there, not on the
    # root namespace's loopback.
    assert '%s:%s' % (ctl_address, deployment.api_port) in _listening(
        ctl_ns)
    with pytest.raises(OSError):
        socket.create_connection(('127.0.0.1', deployment.api_port),
                                 1).close()

    base = 'http://%s:%s' % (ctl_address, deployment.api_port)
    client = servers.ApiClient(base, user)
    operator = servers.ApiClient(base, admin)
    stack.wait_for_agents(60, list(processes.values()))
    assert [(s['host'], s['state']) for s in operator.request(
        'GET', '/os-services').json()['services']] == [
        (host, 'up') for host in stack.hosts]

    # One guest on each host: the first by the scheduler (least loaded,
    # ties to the first name), the second named by the administrator.
    first = client.create_instance('in-a')
    guests.append(first['id'])
    response = operator.request('POST', '/instances', json={
        'instance': {'name': 'in-b', 'host': stack.hosts[1]}})
    assert response.status_code == 202, response.text
    second = response.json()['instance']
    guests.append(second['id'])
    first = client.wait_for_status(first['id'], 'ACTIVE', 120)
    second = operator.wait_for_status(second['id'], 'ACTIVE', 120)
    assert (first['host'], second['host']) == tuple(stack.hosts)

    for instance, api_client in ((first, client), (second, operator)):
        namespace, address, _config = agents[instance['host']]
        url = api_client.console_url(instance['id'])
        assert url.startswith('http://%s:%s/vnc_lite.html?path='
                              % (ctl_address, deployment.proxy_port))
        token = servers.novnc_token(url)
        rows = database.execute(
            'SELECT host, port FROM console_auth_tokens '
            'WHERE instance_uuid = :uuid', uuid=instance['id'])
        assert [row['host'] for row in rows] == [address]
        # The guest's VNC server listens on its namespace's address, and
        # only there.
        assert '%s:%s' % (address, rows[0]['port']) in _listening(namespace)
        other = agents[[h for h in stack.hosts
                        if h != instance['host']][0]][0]
        assert not any(entry.endswith(':%s' % rows[0]['port']) and
                       entry.startswith(address)
                       for entry in _listening(other))
        name = _desktop_name((ctl_address, deployment.proxy_port), token)
        assert 'instance-%s' % instance['id'] in name

    # Host b goes away: its agent stops and its heartbeats with it.
    processes[stack.hosts[1]].terminate()
    assert processes[stack.hosts[1]].wait(30) == 0
    waiting.wait_for(
        lambda: [s['state'] for s in operator.request(
            'GET', '/os-services').json()['services']] == ['up', 'down'],
        30, interval=0.1, message='host b shown down')
    started = time.monotonic()
    response = operator.request(
        'POST', '/servers/%s/remote-consoles' % second['id'],
        json={'remote_console': {'protocol': 'vnc', 'type': 'novnc'}})
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text
    [fault] = response.json().values()
    assert fault['code'] == 503
    assert fault['message'].startswith('Compute host %s is down'
                                       % stack.hosts[1]), fault
    assert elapsed < 2, 'a down host took %.1f s to answer' % elapsed
    # New instances avoid it; naming it is refused.
    third = client.create_instance('while-b-down')
    guests.append(third['id'])
    assert third['host'] == stack.hosts[0]
    response = operator.request('POST', '/instances', json={
        'instance': {'name': 'x', 'host': stack.hosts[1]}})
    assert response.status_code == 400, response.text
    # Host a still serves consoles.
    client.wait_for_status(third['id'], 'ACTIVE', 120)
    name = _desktop_name((ctl_address, deployment.proxy_port),
                         servers.novnc_token(
                             client.console_url(first['id'])))
    assert 'instance-%s' % first['id'] in name

    for instance in (first, third):
        response = client.request('DELETE', '/instances/' + instance['id'])
        assert response.status_code == 204, response.text
    assert requests.get(base + '/instances', timeout=10).status_code == 401
