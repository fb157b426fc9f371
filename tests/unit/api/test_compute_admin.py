"""Nova's admin read APIs under ``/v2.1`` with hosts up and down, and
usage over instances made and deleted at chosen times: what the gabbi
files cannot set up with one live agent.

Through the real paste pipeline (token auth) on SQLite and ``fake://``.
"""

import datetime

from oslo_utils import timeutils
import pytest
import sqlalchemy as sa
import webob

from consolehub.db import api_tokens as db_api_tokens
from consolehub.db import engine as db_engine
from consolehub.db import instances as db_instances
from consolehub.db import models
from consolehub.db import services as db_services
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


def _get(app, path, token='admin-token', version=None):
    headers = {'X-Auth-Token': token}
    if version:
        headers['OpenStack-API-Version'] = 'compute %s' % version
    return webob.Request.blank(path, headers=headers).get_response(app)


def _age(host, seconds):
    """Make ``host``'s last heartbeat ``seconds`` old."""
    with db_engine.get_engine().begin() as connection:
        connection.execute(
            sa.update(models.Service).where(models.Service.host == host)
            .values(last_seen_at=timeutils.utcnow() -
                    datetime.timedelta(seconds=seconds)))


def _zone(app, path='/v2.1/os-availability-zone'):
    response = _get(app, path)
    assert response.status_int == 200
    [zone] = response.json['availabilityZoneInfo']
    assert zone['zoneName'] == 'nova'
    return zone


def test_the_zone_is_unavailable_without_hosts(app):
    assert _zone(app)['zoneState'] == {'available': False}
    assert _zone(app, '/v2.1/os-availability-zone/detail')['hosts'] == {}


def test_the_zone_is_available_while_one_host_is_up(app, admin):
    db_services.service_heartbeat(admin, 'compute-1', BINARY, 'compute')
    db_services.service_heartbeat(admin, 'compute-2', BINARY, 'compute')
    _age('compute-2', 61)   # [DEFAULT] service_down_time is 60
    assert _zone(app)['zoneState'] == {'available': True}
    hosts = _zone(app, '/v2.1/os-availability-zone/detail')['hosts']
    assert sorted(hosts) == ['compute-1', 'compute-2']
    assert hosts['compute-1'][BINARY]['available'] is True
    assert hosts['compute-2'][BINARY]['available'] is False
    assert hosts['compute-2'][BINARY]['active'] is True
    _age('compute-1', 61)
    assert _zone(app)['zoneState'] == {'available': False}


def _instance(context, host, memory_mb, vcpus, root_gb=0, **values):
    values.setdefault('status', 'ACTIVE')
    return db_instances.instance_create(context, dict(
        name='vm', host=host, memory_mb=memory_mb, vcpus=vcpus,
        root_gb=root_gb, **values))


def test_each_host_counts_its_live_instances(app, admin, project_a,
                                             project_b):
    db_services.service_heartbeat(admin, 'compute-1', BINARY, 'compute')
    db_services.service_heartbeat(admin, 'compute-2', BINARY, 'compute')
    _age('compute-2', 61)
    _instance(project_a, 'compute-1', 256, 1, root_gb=2)
    _instance(project_b, 'compute-1', 512, 2, root_gb=5,
              task_state='image_snapshot')
    gone = _instance(project_a, 'compute-1', 1024, 4, root_gb=10)
    db_instances.instance_destroy(project_a, gone['uuid'], 'DELETED',
                                  'deleted')
    _instance(project_b, 'compute-2', 128, 1)
    response = _get(app, '/v2.1/os-hypervisors/detail')
    assert response.status_int == 200
    one, two = response.json['hypervisors']
    assert (one['hypervisor_hostname'], one['state']) == ('compute-1', 'up')
    assert (two['hypervisor_hostname'], two['state']) == ('compute-2',
                                                          'down')
    assert {key: one[key] for key in (
        'running_vms', 'vcpus_used', 'memory_mb_used', 'local_gb_used',
        'free_disk_gb', 'current_workload')} == {
        'running_vms': 2, 'vcpus_used': 3, 'memory_mb_used': 768,
        'local_gb_used': 7, 'free_disk_gb': -7, 'current_workload': 1}
    assert (two['running_vms'], two['memory_mb_used']) == (1, 128)
    shown = _get(app, '/v2.1/os-hypervisors/%s' % two['id'])
    assert shown.json['hypervisor'] == two
    statistics = _get(app, '/v2.1/os-hypervisors/statistics').json[
        'hypervisor_statistics']
    assert (statistics['count'], statistics['running_vms'],
            statistics['vcpus_used'], statistics['memory_mb_used'],
            statistics['local_gb_used']) == (2, 3, 4, 896, 7)


def test_no_hosts_no_hypervisors(app):
    assert _get(app, '/v2.1/os-hypervisors').json == {'hypervisors': []}
    statistics = _get(app, '/v2.1/os-hypervisors/statistics').json[
        'hypervisor_statistics']
    assert statistics['count'] == 0
    assert set(statistics.values()) == {0}


def _usage_path(start, end, project_id=None, detailed=True):
    path = '/v2.1/os-simple-tenant-usage'
    if project_id:
        path += '/' + project_id
    return '%s?start=%s&end=%s&detailed=%d' % (
        path, start.strftime('%Y-%m-%dT%H:%M:%S'),
        end.strftime('%Y-%m-%dT%H:%M:%S'), detailed)


def test_usage_counts_the_hours_in_the_period(app, project_a, project_b,
                                              clock):
    t0 = timeutils.utcnow().replace(microsecond=0)
    clock.advance_time_seconds((t0 - timeutils.utcnow()).total_seconds())
    first = _instance(project_a, 'compute-1', 256, 1, root_gb=2)
    clock.advance_time_seconds(2 * 3600)
    _instance(project_a, 'compute-1', 512, 2, root_gb=5, status='SHUTOFF')
    clock.advance_time_seconds(3600)
    db_instances.instance_destroy(project_a, first['uuid'], 'DELETED',
                                  'deleted')
    clock.advance_time_seconds(3600)
    _instance(project_b, 'compute-1', 128, 1)
    # Now is t0 + 4h: from t0 + 1h to t0 + 5h (cut at now), the first
    # ran 2 hours, the second 2 hours.
    hour = datetime.timedelta(hours=1)
    response = _get(app, _usage_path(t0 + hour, t0 + 5 * hour))
    assert response.status_int == 200
    [usage] = [u for u in response.json['tenant_usages']
               if u['tenant_id'] == 'project-a']
    assert usage['total_hours'] == pytest.approx(4.0)
    assert usage['total_memory_mb_usage'] == pytest.approx(2 * 256 +
                                                           2 * 512)
    assert usage['total_vcpus_usage'] == pytest.approx(2 * 1 + 2 * 2)
    assert usage['total_local_gb_usage'] == pytest.approx(2 * 2 + 2 * 5)
    assert usage['stop'] == (t0 + 4 * hour).strftime(
        '%Y-%m-%dT%H:%M:%S.%f')
    gone, stopped = usage['server_usages']
    assert (gone['state'], gone['hours'], gone['uptime']) == (
        'terminated', pytest.approx(2.0), 3 * 3600)
    assert gone['ended_at'] == (t0 + 3 * hour).strftime(
        '%Y-%m-%dT%H:%M:%S.%f')
    assert (stopped['state'], stopped['ended_at'], stopped['uptime'],
            stopped['flavor']) == ('stopped', None, 2 * 3600, 'ch.medium')
    # Project b's server was made at now, the end of the period: not in it.
    assert [u['tenant_id'] for u in response.json['tenant_usages']] == [
        'project-a']
    # A member sees only its own project; an earlier period is empty.
    own = _get(app, _usage_path(t0, t0 + hour, 'project-a'),
               token='user-token').json['tenant_usage']
    assert own['total_hours'] == pytest.approx(1.0)
    assert [s['hours'] for s in own['server_usages']] == [
        pytest.approx(1.0)]
    assert _get(app, _usage_path(t0 - 2 * hour, t0 - hour)).json == {
        'tenant_usages': []}


def test_usage_is_not_detailed_unless_asked(app, project_a):
    _instance(project_a, 'compute-1', 256, 1)
    start = timeutils.utcnow() - datetime.timedelta(hours=1)
    end = timeutils.utcnow() + datetime.timedelta(hours=1)
    [usage] = _get(app, _usage_path(start, end, detailed=False)).json[
        'tenant_usages']
    assert 'server_usages' not in usage
    shown = _get(app, _usage_path(start, end, 'project-a', detailed=False))
    assert len(shown.json['tenant_usage']['server_usages']) == 1
