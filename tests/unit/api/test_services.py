"""``GET /os-services`` and an administrator naming the host at create.

Through the real paste pipeline (token auth) on SQLite and ``fake://``.
"""

import datetime

from oslo_utils import timeutils
import pytest
import sqlalchemy as sa
import webob

from consolehub.db import api_tokens as db_api_tokens
from consolehub.db import engine as db_engine
from consolehub.db import models
from consolehub.db import services as db_services
from consolehub import exception
from consolehub.objects import instance as instance_obj
from consolehub.objects import secret

BINARY = 'consolehub-compute'


@pytest.fixture
def app(load_app, admin):
    """The token pipeline, with the tokens ``admin-token`` (ops/root,
    admin) and ``user-token`` (project-a/alice, member)."""
    db_api_tokens.api_token_create(admin, secret.hash_secret('admin-token'),
                                   'ops', 'root', ['admin'])
    db_api_tokens.api_token_create(admin, secret.hash_secret('user-token'),
                                   'project-a', 'alice', ['member'])
    return load_app('token')


def _call(app, token, method, path, body=None):
    req = webob.Request.blank(path, method=method,
                              headers={'X-Auth-Token': token})
    if body is not None:
        req.content_type = 'application/json'
        req.json = body
    return req.get_response(app)


def _age(host, seconds):
    """Make ``host``'s last heartbeat ``seconds`` old."""
    with db_engine.get_engine().begin() as connection:
        connection.execute(
            sa.update(models.Service).where(models.Service.host == host)
            .values(last_seen_at=timeutils.utcnow() -
                    datetime.timedelta(seconds=seconds)))


def test_os_services_shows_each_agent_up_or_down(app, admin):
    db_services.service_heartbeat(admin, 'compute-1', BINARY, 'compute')
    db_services.service_heartbeat(admin, 'compute-2', BINARY, 'compute')
    _age('compute-2', 61)   # [DEFAULT] service_down_time is 60
    response = _call(app, 'admin-token', 'GET', '/os-services')
    assert response.status_int == 200
    services = response.json['services']
    assert [(s['host'], s['binary'], s['state'], s['status'], s['zone'])
            for s in services] == [
        ('compute-1', BINARY, 'up', 'enabled', 'nova'),
        ('compute-2', BINARY, 'down', 'enabled', 'nova')]
    assert set(services[0]) == {'id', 'binary', 'host', 'zone', 'state',
                                'status', 'updated_at', 'disabled_reason',
                                'forced_down'}
    assert all(isinstance(s['id'], int) for s in services)
    seen_1 = datetime.datetime.strptime(services[0]['updated_at'],
                                        '%Y-%m-%dT%H:%M:%SZ')
    assert abs(seen_1 - timeutils.utcnow()) < datetime.timedelta(seconds=5)
    seen_2 = datetime.datetime.strptime(services[1]['updated_at'],
                                        '%Y-%m-%dT%H:%M:%SZ')
    assert seen_1 - seen_2 > datetime.timedelta(seconds=59)


def test_os_services_follows_service_down_time(app, admin, conf_fixture):
    db_services.service_heartbeat(admin, 'compute-1', BINARY, 'compute')
    _age('compute-1', 30)
    states = lambda: [s['state'] for s in _call(  # noqa: E731
        app, 'admin-token', 'GET', '/os-services').json['services']]
    assert states() == ['up']
    conf_fixture.config(service_down_time=20)
    assert states() == ['down']


def test_os_services_is_empty_without_agents(app):
    response = _call(app, 'admin-token', 'GET', '/os-services')
    assert response.status_int == 200
    assert response.json == {'services': []}


def test_os_services_is_for_administrators_only(app, admin):
    db_services.service_heartbeat(admin, 'compute-1', BINARY, 'compute')
    response = _call(app, 'user-token', 'GET', '/os-services')
    assert response.status_int == 403
    assert 'consolehub:os-services:index' in (
        response.json['forbidden']['message'])
    assert _call(app, 'nobody', 'GET', '/os-services').status_int == 401
    assert _call(app, 'admin-token', 'POST',
                 '/os-services').status_int == 405


def test_admin_names_the_host(app, admin):
    for host in ('compute-1', 'compute-2'):
        db_services.service_heartbeat(admin, host, BINARY, 'compute')
    # Least loaded would pick compute-1 (the first name on a tie).
    response = _call(app, 'admin-token', 'POST', '/instances',
                     {'instance': {'name': 'pinned', 'host': 'compute-2'}})
    assert response.status_int == 202, response.text
    assert response.json['instance']['host'] == 'compute-2'
    assert response.json['instance']['status'] == 'BUILD'
    unnamed = _call(app, 'admin-token', 'POST', '/instances',
                    {'instance': {'name': 'free'}})
    assert unnamed.json['instance']['host'] == 'compute-1'


@pytest.mark.parametrize('host', ['compute-9', 'compute-down'])
def test_admin_naming_an_unknown_or_down_host_is_400(app, admin, host):
    db_services.service_heartbeat(admin, 'compute-1', BINARY, 'compute')
    db_services.service_heartbeat(admin, 'compute-down', BINARY, 'compute')
    _age('compute-down', 600)
    response = _call(app, 'admin-token', 'POST', '/instances',
                     {'instance': {'name': 'pinned', 'host': host}})
    assert response.status_int == 400
    assert response.json['badRequest']['message'] == (
        'Compute host %s is unknown or down; it cannot take a new '
        'instance.' % host)
    assert instance_obj.get_all(admin, 10) == []


def test_only_administrators_name_the_host(app, admin, project_a):
    db_services.service_heartbeat(admin, 'compute-1', BINARY, 'compute')
    response = _call(app, 'user-token', 'POST', '/instances',
                     {'instance': {'name': 'pinned', 'host': 'compute-1'}})
    assert response.status_int == 403
    assert 'consolehub:instances:create:host' in (
        response.json['forbidden']['message'])
    assert instance_obj.get_all(project_a, 10) == []
    # The same caller without "host" is scheduled as usual.
    response = _call(app, 'user-token', 'POST', '/instances',
                     {'instance': {'name': 'free'}})
    assert response.status_int == 202
    assert response.json['instance']['host'] == 'compute-1'


@pytest.mark.parametrize('host', ['', 7, 'x' * 256])
def test_host_must_be_a_short_string(app, host):
    response = _call(app, 'admin-token', 'POST', '/instances',
                     {'instance': {'name': 'pinned', 'host': host}})
    assert response.status_int == 400
    assert "'instance/host'" in response.json['badRequest']['message']


def _active_instance(admin, host):
    instance = instance_obj.create(admin, 'on-' + host, 64, 1, host)
    return instance_obj.update(admin, instance['uuid'],
                               {'status': instance_obj.ACTIVE})


def test_a_down_host_answers_503_at_once_naming_it(app, admin, conf_fixture):
    # The compute call timeout is long; a down host must not wait for it.
    conf_fixture.config(compute_call_timeout=60, group='api')
    db_services.service_heartbeat(admin, 'compute-1', BINARY, 'compute')
    instance = _active_instance(admin, 'compute-1')
    _age('compute-1', 61)
    message = ('Compute host compute-1 is down: it has sent no heartbeat '
               'for more than 60 seconds; try again when it is back.')
    started = datetime.datetime.now()
    console = _call(app, 'admin-token', 'POST',
                    '/servers/%s/remote-consoles' % instance['uuid'],
                    {'remote_console': {'protocol': 'vnc', 'type': 'novnc'}})
    assert datetime.datetime.now() - started < datetime.timedelta(seconds=5)
    assert console.status_int == 503, console.text
    assert console.json['serviceUnavailable']['message'] == message
    assert instance_obj.get(admin, instance['uuid'])['status'] == 'ACTIVE'


def test_delete_on_a_down_host_is_local(app, admin, conf_fixture):
    """Nova's local delete: the instance goes at once; the host destroys
    its guest when it is back (compute.power_sync.reap_orphans)."""
    conf_fixture.config(compute_call_timeout=60, group='api')
    db_services.service_heartbeat(admin, 'compute-1', BINARY, 'compute')
    instance = _active_instance(admin, 'compute-1')
    _age('compute-1', 61)
    started = datetime.datetime.now()
    delete = _call(app, 'admin-token', 'DELETE',
                   '/instances/' + instance['uuid'])
    assert datetime.datetime.now() - started < datetime.timedelta(seconds=5)
    assert delete.status_int == 204, delete.text
    with pytest.raises(exception.InstanceNotFound):
        instance_obj.get(admin, instance['uuid'])
