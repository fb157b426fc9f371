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
