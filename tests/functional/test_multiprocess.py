"""consolehub-api, -compute and -novncproxy as separate processes.

The three services run the same code as ``consolehub-all`` but apart,
sharing one config file: RPC over this machine's RabbitMQ
(``[DEFAULT] transport_url = rabbit://...``) and state in a fresh
PostgreSQL or MariaDB database (a :class:`tests.functional.stack.Stack`).
A user creates an instance over HTTP, a websocket client reaches its
guest's VNC server through the proxy, and the rows in the real database
are checked.
"""

import hashlib
import os
import re
import statistics
import time

import pytest

from tests.functional import databases
from tests.functional import rfb
from tests.functional import servers
from tests.functional import stack as stack_lib
from tests import waiting

HEX_SHA256 = re.compile(r'^[0-9a-f]{64}$')

pytestmark = stack_lib.NEEDS_GUESTS


def _desktop_name(deployment, token):
    return rfb.desktop_name(deployment.console_ws_url(token))


def _timed(function, *args):
    started = time.monotonic()
    result = function(*args)
    return result, time.monotonic() - started


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
    stack.wait_for_agents(30, processes)
    return token


# -- tests --------------------------------------------------------------------

@pytest.mark.parametrize('backend', databases.BACKENDS)
def test_services_apart_on_rabbitmq_and_sql_server(make_stack, backend):
    stack = make_stack(backend)
    deployment, database = stack.deployment, stack.database
    host = stack.hosts[0]
    stack.sync_schema()

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

    name = _desktop_name(deployment, raw_tokens[0])
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
        assert servers.refusal_status(deployment.console_ws_url(token)) == 401

    rows = database.execute('SELECT * FROM instances WHERE uuid = :uuid',
                            uuid=instance['id'])
    assert [row['status'] for row in rows] == ['DELETED']
    assert rows[0]['deleted_at'] is not None
    assert database.execute(
        'SELECT * FROM console_auth_tokens WHERE instance_uuid = :uuid',
        uuid=instance['id']) == []
    waiting.wait_for(
        lambda: not servers.qemu_runs('instance-' + instance['id']), 10,
        interval=0.1, message='QEMU of the deleted guest exiting')


def test_two_compute_hosts_share_the_load(make_stack, tmp_path_factory):
    stack = make_stack(databases.POSTGRESQL, hosts=('a', 'b'))
    deployment, database = stack.deployment, stack.database
    host_a, host_b = stack.hosts
    stack.sync_schema()

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
        name = _desktop_name(deployment, token)
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
            deployment.console_ws_url(tokens[instance['id']])) == 401
    rows = database.execute('SELECT status FROM instances')
    assert [row['status'] for row in rows] == ['DELETED', 'DELETED']
    for instance in instances:
        waiting.wait_for(
            lambda: not servers.qemu_runs('instance-' + instance['id']), 10,
            interval=0.1, message='QEMU of %s exiting' % instance['id'])
