"""Runs the gabbi YAML files in ``gabbits/`` under pytest, plus the checks
YAML cannot express.

Each YAML file names the fixture of :mod:`tests.functional.fixtures` it
runs in; requests reach the API's paste pipeline in this process through
httpx's WSGI transport.

    /tmp/venv/bin/pytest tests/functional/test_api.py -q
"""

import hashlib
import os
import socket
import time
import urllib.parse

from gabbi import driver
# pytest collects this function; pytest_generate_tests parametrizes it
# with one case per gabbi test.
from gabbi.driver import test_pytest  # noqa: F401
import httpx
import pytest
import sqlalchemy as sa

from consolehub.api import server as api_server
from consolehub.conf import CONF
from consolehub.objects import console_auth_token
from consolehub import context as consolehub_context
from consolehub.db import engine as db_engine
from consolehub.db import models
from consolehub import exception
from tests.functional import fixtures
from tests import waiting

TESTS_DIR = os.path.join(os.path.dirname(__file__), 'gabbits')
NOVNC = ('vnc', 'novnc')


def pytest_generate_tests(metafunc):
    driver.py_test_generator(
        TESTS_DIR, intercept=fixtures.setup_app,
        fixture_module=fixtures, test_loader_name=__name__,
        metafunc=metafunc)


# -- console tokens after DELETE, checked in the database -------------------

def _client(token_variable='CONSOLEHUB_TOKEN_A'):
    return httpx.Client(
        transport=httpx.WSGITransport(app=fixtures.setup_app()),
        base_url='http://consolehub.test',
        headers={'X-Auth-Token': os.environ[token_variable]})


def _create_active(client, name, timeout=30.0):
    response = client.post('/instances', json={'instance': {'name': name}})
    assert response.status_code == 202, response.text

    def built():
        instance = client.get(response.headers['location']).json()[
            'instance']
        return instance if instance['status'] != 'BUILD' else None

    instance = waiting.wait_for(built, timeout,
                                message='instance %r leaving BUILD' % name)
    assert instance['status'] == 'ACTIVE', instance
    return instance['id']


def _token_rows(instance_uuid):
    with db_engine.get_engine().connect() as connection:
        return connection.execute(
            sa.select(models.ConsoleAuthToken.token_hash).where(
                models.ConsoleAuthToken.instance_uuid == instance_uuid)
        ).scalars().all()


def test_delete_removes_the_console_tokens_the_api_issued():
    """Tokens minted by ``POST .../remote-consoles`` stop working on DELETE.

    The raw token only ever leaves the API inside the URL; the database
    holds its hash until the instance is deleted.
    """
    with fixtures.QemuFixture():
        admin = consolehub_context.get_admin_context()
        client = _client()
        instance_id = _create_active(client, 'tokened')
        raw_tokens = []
        for route in ('/servers/%s/remote-consoles',
                      '/instances/%s/remote-consoles'):
            response = client.post(route % instance_id, json={
                'remote_console': {'protocol': 'vnc', 'type': 'novnc'}})
            assert response.status_code == 200, response.text
            query = urllib.parse.urlsplit(
                response.json()['remote_console']['url']).query
            path = urllib.parse.parse_qs(query)['path'][0]
            raw_tokens.append(path[len('?token='):])
        assert raw_tokens[0] != raw_tokens[1]
        for raw_token in raw_tokens:
            row = console_auth_token.validate(admin, raw_token)
            assert row['instance_uuid'] == instance_id
            assert row['console_type'] == 'novnc'
            assert row['port'] >= 5900
        assert sorted(_token_rows(instance_id)) == sorted(
            console_auth_token.hash_token(raw_token)
            for raw_token in raw_tokens)

        response = client.delete('/instances/%s' % instance_id)
        assert response.status_code == 204, response.text

        assert _token_rows(instance_id) == []
        for raw_token in raw_tokens:
            with pytest.raises(exception.InvalidToken):
                console_auth_token.validate(admin, raw_token)


def test_delete_removes_only_the_deleted_instance_tokens():
    """On the test driver: tokens of the other instances stay valid."""
    with fixtures.APIFixture():
        admin = consolehub_context.get_admin_context()
        client = _client()
        doomed = _create_active(client, 'doomed')
        kept = _create_active(client, 'kept')
        doomed_token, _row = console_auth_token.mint(
            admin, NOVNC, '127.0.0.1', 5900, doomed)
        kept_token, _row = console_auth_token.mint(
            admin, NOVNC, '127.0.0.1', 5901, kept)

        response = client.delete('/instances/%s' % doomed)
        assert response.status_code == 204, response.text

        assert _token_rows(doomed) == []
        with pytest.raises(exception.InvalidToken):
            console_auth_token.validate(admin, doomed_token)
        assert console_auth_token.validate(admin, kept_token)[
            'instance_uuid'] == kept
        assert _token_rows(kept) == [console_auth_token.hash_token(kept_token)]


def test_project_b_cannot_delete_project_a_tokens():
    """A refused cross-project DELETE leaves the instance's tokens alone."""
    with fixtures.APIFixture():
        admin = consolehub_context.get_admin_context()
        instance_id = _create_active(_client(), 'guarded')
        raw_token, _row = console_auth_token.mint(
            admin, NOVNC, '127.0.0.1', 5900, instance_id)

        response = _client('CONSOLEHUB_TOKEN_B').delete(
            '/instances/%s' % instance_id)
        assert response.status_code == 404, response.text

        assert console_auth_token.validate(
            admin, raw_token)['instance_uuid'] == (instance_id)


# -- image uploads over a real HTTP connection --------------------------------

def _image_server():
    """The API's own server (waitress) serving the running fixture's
    pipeline on a free port, with the upload limit ``api_service`` sets."""
    service = api_server.WSGIService(
        fixtures.setup_app(), '127.0.0.1', 0, 4,
        max_upload_size=CONF.image.max_image_size + api_server.UPLOAD_MARGIN)
    service.start()
    return service


def _store_files():
    """The files of the image store (none before its first upload)."""
    if not os.path.isdir(CONF.image.store_path):
        return []
    return sorted(os.listdir(CONF.image.store_path))


def _wait_for_status(client, image_id, status, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        image = client.get('/image/v2/images/' + image_id).json()
        if image['status'] == status:
            return image
        assert time.monotonic() < deadline, image
        time.sleep(0.05)


def test_interrupted_upload_leaves_the_image_queued_and_no_file():
    """A client that sends part of the body and hangs up: the image stays
    queued, no partial file stays, and a later upload (chunked transfer
    encoding) succeeds. The API's own server hands the application only
    whole requests, so the cut body never reaches the image API (under
    uwsgi, which streams, ``test_uwsgi`` cuts an upload the image API has
    begun)."""
    with fixtures.ImageFixture():
        service = _image_server()
        try:
            base_url = 'http://127.0.0.1:%d' % service.port
            token = os.environ['CONSOLEHUB_TOKEN_A']
            client = httpx.Client(base_url=base_url,
                                  headers={'X-Auth-Token': token})
            image_id = client.post('/image/v2/images', json={
                'name': 'interrupted', 'disk_format': 'qcow2',
                'container_format': 'bare'}).json()['id']
            with open(os.path.join(fixtures.CRAFTED_IMAGES,
                                   'good.qcow2'), 'rb') as image_file:
                data = image_file.read()

            with socket.create_connection(('127.0.0.1', service.port)) as s:
                s.sendall(('PUT /image/v2/images/%s/file HTTP/1.1\r\n'
                           'Host: 127.0.0.1\r\nX-Auth-Token: %s\r\n'
                           'Content-Type: application/octet-stream\r\n'
                           'Content-Length: %d\r\n\r\n'
                           % (image_id, token, len(data))).encode())
                s.sendall(data[:len(data) // 2])
                # A request on another connection is answered meanwhile:
                # the half-sent body holds no worker.
                assert client.get('/image/v2/images/' + image_id).json()[
                    'status'] == 'queued'
            _wait_for_status(client, image_id, 'queued')
            assert _store_files() == []

            def chunks():
                for start in range(0, len(data), 65536):
                    yield data[start:start + 65536]
            response = client.put(
                '/image/v2/images/%s/file' % image_id, content=chunks(),
                headers={'Content-Type': 'application/octet-stream'})
            assert response.status_code == 204, response.text
            image = client.get('/image/v2/images/' + image_id).json()
            assert (image['status'], image['size']) == ('active', len(data))
            assert image['checksum'] == hashlib.md5(data).hexdigest()
            assert image['os_hash_value'] == hashlib.sha512(
                data).hexdigest()
            assert _store_files() == [image_id]
        finally:
            service.stop()


def test_chunked_upload_over_the_limit_is_refused_and_leaves_no_file():
    with fixtures.ImageFixture():
        service = _image_server()
        try:
            client = httpx.Client(
                base_url='http://127.0.0.1:%d' % service.port,
                headers={'X-Auth-Token': os.environ['CONSOLEHUB_TOKEN_A']})
            image_id = client.post('/image/v2/images', json={
                'disk_format': 'raw',
                'container_format': 'bare'}).json()['id']
            limit = fixtures.ImageFixture.MAX_IMAGE_SIZE

            def chunks():
                # One chunk more than the limit, with no Content-Length.
                for _chunk in range(limit // 65536 + 1):
                    yield b'\0' * 65536
            response = client.put(
                '/image/v2/images/%s/file' % image_id, content=chunks(),
                headers={'Content-Type': 'application/octet-stream'})
            assert response.status_code == 413, response.text
            assert response.json()['overLimit']['message'].startswith(
                'The incoming image is too large')
            assert client.get('/image/v2/images/' + image_id).json()[
                'status'] == 'queued'
            assert _store_files() == []
        finally:
            service.stop()


def test_chunked_upload_over_the_size_quota_stops_and_leaves_no_file():
    """Without a Content-Length, an upload is stopped once its running
    total passes the room left in the project's image_size_total: 413,
    the image queued, nothing stored."""
    with fixtures.ImageFixture():
        service = _image_server()
        try:
            base_url = 'http://127.0.0.1:%d' % service.port
            admin = httpx.Client(base_url=base_url, headers={
                'X-Auth-Token': os.environ['CONSOLEHUB_TOKEN_ADMIN']})
            assert admin.put('/v2.1/os-quota-sets/project-a', json={
                'quota_set': {'image_size_total': 1}}).status_code == 200
            client = httpx.Client(
                base_url=base_url,
                headers={'X-Auth-Token': os.environ['CONSOLEHUB_TOKEN_A']})
            image_id = client.post('/image/v2/images', json={
                'disk_format': 'raw',
                'container_format': 'bare'}).json()['id']

            def chunks():
                # 2 MiB, within [image] max_image_size, over the 1 MiB
                # quota, with no Content-Length.
                for _chunk in range(32):
                    yield b'\0' * 65536
            response = client.put(
                '/image/v2/images/%s/file' % image_id, content=chunks(),
                headers={'Content-Type': 'application/octet-stream'})
            assert response.status_code == 413, response.text
            assert response.json()['overLimit']['message'].endswith(
                '[Resource image_size_total is over limit of 1 due to '
                'current usage 0 and delta 2]')
            assert client.get('/image/v2/images/' + image_id).json()[
                'status'] == 'queued'
            assert _store_files() == []
            assert client.get('/image/v2/info/usage').json()['usage'][
                'image_size_total'] == {'limit': 1, 'usage': 0}
        finally:
            service.stop()
