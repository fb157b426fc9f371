"""consolehub-api, -compute and -novncproxy as separate processes.

The three services run the same code as ``consolehub-all`` but apart,
sharing one config file: RPC over this machine's RabbitMQ
(``[DEFAULT] transport_url = rabbit://...``) and state in a fresh
PostgreSQL or MariaDB database. A user creates an instance over HTTP, a
websocket client reaches its guest's VNC server through the proxy, and the
rows in the real database are checked.

Each run uses its own RabbitMQ exchange (``[DEFAULT] control_exchange``)
and its own compute host names: oslo.messaging names a server's queue
``compute.<host>`` whatever the exchange, so unique host names are what
keep two concurrent runs from consuming each other's messages.
"""

import hashlib
import os
import re
import statistics
import struct
import time
import uuid

import pytest
from websockets.sync import client as ws_client

from tests.functional import databases
from tests.functional import servers

RABBIT_URL = 'rabbit://guest:guest@127.0.0.1:5672/'
_KOMBU_URL = 'amqp://guest:guest@127.0.0.1:5672//'

COMPUTE_BINARY = 'consolehub-compute'
RFB_BANNER = b'RFB 003.008\n'
HEX_SHA256 = re.compile(r'^[0-9a-f]{64}$')

try:
    import libvirt  # noqa: F401
    _HAVE_LIBVIRT = True
except ImportError:
    _HAVE_LIBVIRT = False

pytestmark = [
    pytest.mark.skipif(
        not os.path.exists(servers.QEMU_BINARY),
        reason='QEMU (%s) is not installed' % servers.QEMU_BINARY),
    pytest.mark.skipif(not _HAVE_LIBVIRT,
                       reason='libvirt-python is not installed'),
]


# -- RabbitMQ -----------------------------------------------------------------

def _require_rabbitmq():
    import kombu
    try:
        with kombu.Connection(_KOMBU_URL, connect_timeout=5) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as error:
        pytest.skip('RabbitMQ is not reachable on 127.0.0.1:5672: %s'
                    % error)


def _rabbit_cleanup(exchange, hosts):
    """Best effort: remove the exchange and the queues this run made.

    Reply and fanout queues expire by themselves
    (``rabbit_transient_queues_ttl``); the shared ``compute`` queue goes
    only when no other run consumes from it.
    """
    operations = [('queue_delete', 'compute.%s' % host, {}) for host in hosts]
    operations += [('queue_delete', 'compute',
                    {'if_unused': True, 'if_empty': True}),
                   ('exchange_delete', exchange, {})]
    rabbit_delete(operations)


def rabbit_delete(operations):
    """Best effort: run ``(channel method, name, kwargs)`` operations
    such as ``('queue_delete', 'compute.h1', {})`` on RabbitMQ."""
    import kombu
    try:
        with kombu.Connection(_KOMBU_URL, connect_timeout=5) as connection:
            for method, name, kwargs in operations:
                # A refused operation closes its channel: one each.
                channel = connection.channel()
                try:
                    getattr(channel, method)(name, **kwargs)
                except Exception:
                    pass
                finally:
                    try:
                        channel.close()
                    except Exception:
                        pass
    except Exception:
        pass


# -- helpers ------------------------------------------------------------------

def _head_revision():
    from alembic import config as alembic_config
    from alembic import script as alembic_script

    import consolehub.db
    ini = os.path.join(os.path.dirname(consolehub.db.__file__),
                       'alembic.ini')
    return alembic_script.ScriptDirectory.from_config(
        alembic_config.Config(ini)).get_current_head()


def _wait_until(predicate, timeout, what, processes=()):
    """Poll ``predicate`` until it returns something true; return that."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        for process in processes:
            assert process.poll() is None, (
                '%s exited with %s while waiting for %s'
                % (process.args[0], process.returncode, what))
        assert time.monotonic() < deadline, (
            '%s did not happen within %ss' % (what, timeout))
        time.sleep(0.1)


def _compute_hosts(database):
    return sorted(row['host'] for row in
                  database.execute('SELECT * FROM services')
                  if row['binary'] == COMPUTE_BINARY)


def _ws_url(deployment, token):
    return 'ws://127.0.0.1:%s/?token=%s' % (deployment.proxy_port, token)


class _RfbStream(object):
    """Reads exact byte counts from websocket messages of any size."""

    def __init__(self, websocket):
        self.websocket = websocket
        self.buffer = b''

    def read(self, count):
        while len(self.buffer) < count:
            self.buffer += self.websocket.recv(timeout=10)
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data


def _console_desktop_name(deployment, token):
    """Open the console, check the RFB banner, return the desktop name.

    Goes through the RFB 3.8 handshake (security type None, as QEMU
    offers without a password) up to ServerInit, whose desktop name QEMU
    sets to the guest's domain name: this tells which guest we reached.
    """
    with ws_client.connect(_ws_url(deployment, token),
                           open_timeout=10) as websocket:
        assert websocket.recv(timeout=10) == RFB_BANNER
        stream = _RfbStream(websocket)
        websocket.send(RFB_BANNER)
        count = stream.read(1)[0]
        assert count > 0, 'the guest refused the RFB handshake'
        assert 1 in stream.read(count), 'security type None not offered'
        websocket.send(b'\x01')
        assert struct.unpack('>I', stream.read(4))[0] == 0
        websocket.send(b'\x01')  # ClientInit: shared session
        server_init = stream.read(24)
        width, height = struct.unpack('>HH', server_init[:4])
        assert width > 0 and height > 0
        name_length = struct.unpack('>I', server_init[20:24])[0]
        return stream.read(name_length).decode('utf-8', 'replace')


def _timed(function, *args):
    started = time.monotonic()
    result = function(*args)
    return result, time.monotonic() - started


class _Stack(object):
    """Processes, database and broker names of one test, torn down once."""

    def __init__(self, backend, state_path, hosts):
        _require_rabbitmq()
        self.run_id = uuid.uuid4().hex[:10]
        self.exchange = 'consolehub-test-%s' % self.run_id
        self.hosts = ['mp%s-%s' % (self.run_id, suffix) for suffix in hosts]
        self.deployment = None
        self.database = databases.create(backend)
        try:
            self.deployment = servers.Deployment(state_path, {
                'DEFAULT': {'transport_url': RABBIT_URL,
                            'control_exchange': self.exchange,
                            'host': self.hosts[0]},
                'database': {'connection': self.database.url},
                # Reply and fanout queues have unique names; let the
                # broker drop them a minute after this run stops.
                'oslo_messaging_rabbit': {
                    'rabbit_transient_queues_ttl': '60'},
            })
        except BaseException:
            self.close()
            raise

    def log_args(self, name):
        return ['--log-file',
                os.path.join(self.deployment.state_path, name + '.log')]

    def close(self):
        try:
            if self.deployment is not None:
                self.deployment.stop()
        finally:
            try:
                self.database.drop()
            finally:
                _rabbit_cleanup(self.exchange, self.hosts)


@pytest.fixture
def make_stack(tmp_path_factory):
    stacks = []

    def make(backend, hosts=('a',)):
        stack = _Stack(backend, str(tmp_path_factory.mktemp('mp')), hosts)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.close()


def _start_services(stack, agents):
    """Start the agents, the API and the proxy; returns an API token.

    :param agents: ``(name, extra_args)`` of each consolehub-compute.
    Returns once the API and proxy listen and every agent has registered
    in the ``services`` table (it heartbeats as it starts).
    """
    deployment = stack.deployment
    processes = [deployment.start('consolehub-compute', name=name,
                                  extra_args=extra_args)
                 for name, extra_args in agents]
    api = deployment.start('consolehub-api',
                           extra_args=stack.log_args('api'))
    proxy = deployment.start('consolehub-novncproxy',
                             extra_args=stack.log_args('novncproxy'))
    # consolehub-manage runs while the services start up.
    token = deployment.create_token('demo', 'alice')
    servers.wait_for_port(deployment.api_port, 60, api)
    servers.wait_for_port(deployment.proxy_port, 60, proxy)
    _wait_until(lambda: _compute_hosts(stack.database) == stack.hosts, 30,
                'compute agents %s registering' % stack.hosts, processes)
    return token


def _sync_schema(stack):
    deployment, database = stack.deployment, stack.database
    head = _head_revision()
    assert deployment.manage('db', 'version').strip() == 'None'
    assert head in deployment.manage('db', 'sync')
    assert deployment.manage('db', 'version').strip() == head
    assert database.execute('SELECT version_num FROM alembic_version') == [
        {'version_num': head}]


# -- tests --------------------------------------------------------------------

@pytest.mark.parametrize('backend', databases.BACKENDS)
def test_services_apart_on_rabbitmq_and_sql_server(make_stack, backend):
    stack = make_stack(backend)
    deployment, database = stack.deployment, stack.database
    host = stack.hosts[0]
    _sync_schema(stack)

    api_token = _start_services(
        stack, [('consolehub-compute', stack.log_args('compute'))])
    api = servers.ApiClient(deployment.api_url, api_token)

    started = time.monotonic()
    instance = api.create_instance('apart')
    instance = api.wait_for_status(instance['id'], 'ACTIVE')
    print('[%s] time to ACTIVE: %.3f s'
          % (backend, time.monotonic() - started))
    assert instance['host'] == host
    rows = database.execute('SELECT * FROM instances WHERE uuid = :uuid',
                            uuid=instance['id'])
    assert [(row['status'], row['host'], row['project_id'])
            for row in rows] == [('ACTIVE', host, 'demo')]

    # Each console URL is one RPC call API -> agent -> API over RabbitMQ.
    urls, durations = [], []
    for _ in range(5):
        url, duration = _timed(api.console_url, instance['id'])
        urls.append(url)
        durations.append(duration)
    print('[%s] console URL over RabbitMQ: median %.1f ms, max %.1f ms'
          % (backend, statistics.median(durations) * 1000,
             max(durations) * 1000))
    assert url.startswith('http://127.0.0.1:%s/vnc_lite.html?path=%%3Ftoken'
                          '%%3D' % deployment.proxy_port)
    raw_tokens = [servers.novnc_token(url) for url in urls]
    assert len(set(raw_tokens)) == 5

    name = _console_desktop_name(deployment, raw_tokens[0])
    assert 'instance-%s' % instance['id'] in name

    # Only SHA-256 hex digests are stored, never a raw token.
    token_rows = database.execute(
        'SELECT * FROM console_auth_tokens WHERE instance_uuid = :uuid',
        uuid=instance['id'])
    assert sorted(row['token_hash'] for row in token_rows) == sorted(
        hashlib.sha256(token.encode()).hexdigest() for token in raw_tokens)
    assert all(HEX_SHA256.match(row['token_hash']) for row in token_rows)
    stored = repr(token_rows + database.execute('SELECT * FROM api_tokens'))
    for token in raw_tokens + [api_token]:
        assert token not in stored
    api_hashes = [row['token_hash'] for row in
                  database.execute('SELECT * FROM api_tokens')]
    assert api_hashes == [hashlib.sha256(api_token.encode()).hexdigest()]

    assert servers.qemu_runs('instance-' + instance['id'])
    response, duration = _timed(api.request, 'DELETE',
                                '/instances/' + instance['id'])
    print('[%s] delete over RabbitMQ: %.1f ms' % (backend, duration * 1000))
    assert response.status_code == 204, response.text
    assert api.request('GET', '/instances/' +
                       instance['id']).status_code == 404
    # The token that reached the guest above is refused now, as are the
    # others minted for the instance.
    for token in raw_tokens[:2]:
        assert servers.refusal_status(_ws_url(deployment, token)) == 401

    rows = database.execute('SELECT * FROM instances WHERE uuid = :uuid',
                            uuid=instance['id'])
    assert [row['status'] for row in rows] == ['DELETED']
    assert rows[0]['deleted_at'] is not None
    assert database.execute(
        'SELECT * FROM console_auth_tokens WHERE instance_uuid = :uuid',
        uuid=instance['id']) == []
    _wait_until(
        lambda: not servers.qemu_runs('instance-' + instance['id']), 10,
        'QEMU of the deleted guest exiting')


def test_two_compute_hosts_share_the_load(make_stack, tmp_path_factory):
    stack = make_stack(databases.POSTGRESQL, hosts=('a', 'b'))
    deployment, database = stack.deployment, stack.database
    host_a, host_b = stack.hosts
    _sync_schema(stack)

    # The second agent: the same config file, then one that gives it its
    # own name and state directory (hence its own embedded libvirt root).
    state_b = str(tmp_path_factory.mktemp('mpb'))
    # Its guests' VNC ports come from a range of its own, so that the
    # two agents never race for the same port on this machine.
    config_b = deployment.write_config('compute-b.conf', {
        'DEFAULT': {'host': host_b, 'state_path': state_b},
        'libvirt': {'embedded_display_port_range': '6500:6599'}})
    api_token = _start_services(stack, [
        ('consolehub-compute-a', stack.log_args('compute-a')),
        ('consolehub-compute-b',
         ['--config-file', config_b] + stack.log_args('compute-b'))])
    api = servers.ApiClient(deployment.api_url, api_token)

    # One after the other: each lands on the up host with the fewest
    # instances, ties going to the first name.
    instances = []
    for name in ('first', 'second'):
        instance = api.create_instance(name)
        instances.append(api.wait_for_status(instance['id'], 'ACTIVE'))
    assert [instance['host'] for instance in instances] == [host_a, host_b]
    rows = database.execute('SELECT uuid, host, status FROM instances')
    assert sorted((row['uuid'], row['host'], row['status'])
                  for row in rows) == sorted(
        (instance['id'], instance['host'], 'ACTIVE')
        for instance in instances)
    # Each agent's libvirt root holds its own guest only.
    assert os.path.isdir(os.path.join(deployment.state_path, 'libvirt'))
    assert os.path.isdir(os.path.join(state_b, 'libvirt'))

    tokens = {}
    for instance in instances:
        token = servers.novnc_token(api.console_url(instance['id']))
        tokens[instance['id']] = token
        name = _console_desktop_name(deployment, token)
        assert 'instance-%s' % instance['id'] in name, name
    guests = database.execute('SELECT instance_uuid, host, port '
                              'FROM console_auth_tokens')
    assert len({(row['host'], row['port']) for row in guests}) == 2
    ports = {row['instance_uuid']: row['port'] for row in guests}
    assert 6500 <= ports[instances[1]['id']] <= 6599, ports

    for instance in instances:
        response = api.request('DELETE', '/instances/' + instance['id'])
        assert response.status_code == 204, response.text
        assert api.request('GET', '/instances/' +
                           instance['id']).status_code == 404
        assert servers.refusal_status(
            _ws_url(deployment, tokens[instance['id']])) == 401
    rows = database.execute('SELECT status FROM instances')
    assert [row['status'] for row in rows] == ['DELETED', 'DELETED']
    for instance in instances:
        _wait_until(
            lambda: not servers.qemu_runs('instance-' + instance['id']), 10,
            'QEMU of %s exiting' % instance['id'])
