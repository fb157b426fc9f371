"""The API under uwsgi with the shipped ``etc/uwsgi/consolehub-api.ini``.

uwsgi serves ``consolehub.wsgi.api:application`` in several worker
processes, with a compute agent and the noVNC proxy beside it on this
machine's RabbitMQ and a fresh PostgreSQL database (as in
test_multiprocess): a guest is created, reached through the proxy and
deleted over HTTP to uwsgi. uwsgi comes from the venv (pip ``uwsgi``);
without it the test skips and says so.
"""

import hashlib
import os
import signal
import subprocess
import threading
import time

import requests

from tests.functional import databases
from tests.functional import rfb
from tests.functional import servers
from tests.functional import stack as stack_lib
from tests.functional import uwsgi_server
from tests import waiting

pytestmark = stack_lib.NEEDS_GUESTS


def test_api_under_uwsgi_on_rabbitmq_and_postgresql(make_stack, request):
    stack = make_stack(databases.POSTGRESQL)
    deployment = stack.deployment
    stack.sync_schema()
    agent = deployment.start('consolehub-compute', name='compute',
                             extra_args=stack.log_args('compute'))
    proxy = deployment.start('consolehub-novncproxy',
                             extra_args=stack.log_args('novncproxy'))
    token = deployment.create_token('demo', 'alice')
    admin_token = deployment.create_token('ops', 'root', roles=['admin'])
    port = servers.free_port()
    uwsgi = uwsgi_server.start_uwsgi(deployment, port)
    servers.wait_for_port(deployment.proxy_port, 60, proxy)
    stack.wait_for_agents(30, [agent])

    base = 'http://127.0.0.1:%s' % port
    api = servers.ApiClient(base, token)
    # The ini asks for 4 workers, each loading the app after the fork.
    workers = waiting.wait_for(
        lambda: len(uwsgi_server.worker_pids(uwsgi.pid)) == 4 and
        uwsgi_server.worker_pids(uwsgi.pid), 30, interval=0.1,
        message='four uwsgi workers', processes=[uwsgi])

    response = api.request('GET', '/instances')
    assert response.status_code == 200
    assert response.json() == {'instances': []}
    assert response.headers['x-openstack-request-id'].startswith('req-')
    assert requests.get(base + '/instances', timeout=30).status_code == 401

    services = servers.ApiClient(base, admin_token).request(
        'GET', '/os-services').json()['services']
    assert [(s['host'], s['state']) for s in services] == [
        (stack.hosts[0], 'up')]
    assert api.request('GET', '/os-services').status_code == 403

    instance = api.create_instance('under-uwsgi')
    request.addfinalizer(lambda: servers.kill_guest(instance['id']))
    instance = api.wait_for_status(instance['id'], 'ACTIVE')
    assert instance['host'] == stack.hosts[0]
    url = api.console_url(instance['id'])
    name = rfb.desktop_name(deployment.console_ws_url(
        servers.novnc_token(url)))
    assert 'instance-%s' % instance['id'] in name

    # Concurrent requests are spread over the workers and all succeed.
    statuses, errors = [], []

    def hammer():
        client = servers.ApiClient(base, token)
        try:
            for _ in range(10):
                statuses.append(client.request(
                    'GET', '/instances/' + instance['id']).status_code)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert statuses == [200] * 80

    response = api.request('DELETE', '/instances/' + instance['id'])
    assert response.status_code == 204, response.text
    assert api.request('GET', '/instances/' +
                       instance['id']).status_code == 404

    # The workers were not replaced along the way (none crashed).
    assert uwsgi_server.worker_pids(uwsgi.pid) == workers
    uwsgi.send_signal(signal.SIGTERM)
    started = time.monotonic()
    assert uwsgi.wait(30) == 0
    assert time.monotonic() - started < 30
    with open(os.path.join(deployment.state_path, 'uwsgi.out')) as log:
        text = log.read()
    assert 'Traceback' not in text, text[-3000:]
    assert text.count('WSGI app 0 (mountpoint=\'\') ready') == 4


def test_wsgi_application_does_not_monkey_patch(tmp_path):
    deployment = servers.Deployment(str(tmp_path))
    deployment.manage('db', 'sync')
    code = (
        'import sys\n'
        'import consolehub.wsgi.api as api\n'
        'assert callable(api.application)\n'
        'eventlet = sys.modules.get("eventlet.patcher")\n'
        'patched = [m for m in ("socket", "thread", "time", "select")\n'
        '           if eventlet and eventlet.is_monkey_patched(m)]\n'
        'print("patched:", patched)\n')
    result = subprocess.run(
        [os.path.join(servers.BIN_DIR, 'python'), '-c', code],
        env=dict(os.environ, CONSOLEHUB_CONFIG_FILES=deployment.config_file),
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert 'patched: []' in result.stdout


def test_image_uploads_under_uwsgi(tmp_path):
    """Image data with Content-Length and chunked (as python-glanceclient
    sends it): uwsgi leaves a chunked body out of wsgi.input."""
    deployment = servers.Deployment(str(tmp_path))
    deployment.manage('db', 'sync')
    port = servers.free_port()
    try:
        uwsgi_server.start_uwsgi(deployment, port)
        session = requests.Session()
        session.headers['X-Auth-Token'] = deployment.create_token(
            'demo', 'alice')
        base = 'http://127.0.0.1:%d/image/v2/images' % port
        disk = str(tmp_path / 'disk.qcow2')
        subprocess.run(['/usr/bin/qemu-img', 'create', '-q', '-f', 'qcow2',
                        disk, '16M'], check=True)
        with open(disk, 'rb') as data_file:
            data = data_file.read()

        def chunks():
            for start in range(0, len(data), 10000):
                yield data[start:start + 10000]
        for name, body in (('sized', data), ('chunked', chunks())):
            image = session.post(base, json={
                'name': name, 'disk_format': 'qcow2',
                'container_format': 'bare'}, timeout=30).json()
            response = session.put(
                '%s/%s/file' % (base, image['id']), data=body, timeout=30,
                headers={'Content-Type': 'application/octet-stream'})
            assert response.status_code == 204, response.text
            image = session.get('%s/%s' % (base, image['id']),
                                timeout=30).json()
            assert (image['status'], image['size'], image['checksum']) == (
                'active', len(data), hashlib.md5(data).hexdigest()), name
    finally:
        deployment.stop()
