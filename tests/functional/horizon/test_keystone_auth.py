"""consolehub's keystone pipeline with real Keystone tokens.

``[api] auth_strategy = keystone``: keystonemiddleware's ``auth_token``
validates each token with Keystone 30 (as the ``consolehub`` service user,
role ``service``) and ``KeystoneContext`` makes the request context from
the identity headers it sets; project scoping and the admin role then
work as with consolehub's own API tokens.
"""

import pytest
import requests


def test_no_token_is_refused_with_keystone_named(cloud):
    response = requests.get(cloud.consolehub.api_url + '/v2.1/servers',
                            timeout=30)
    assert response.status_code == 401
    assert response.headers['WWW-Authenticate'] == (
        'Keystone uri="%s"' % cloud.keystone.v3_url)


def test_unknown_token_is_refused(cloud):
    response = requests.get(cloud.consolehub.api_url + '/v2.1/servers',
                            headers={'X-Auth-Token': 'gAAAAAB-not-a-token'},
                            timeout=30)
    assert response.status_code == 401


def test_member_token_sees_its_project(cloud, guest):
    response = cloud.api('demo').request('GET', '/v2.1/servers/' + guest)
    assert response.status_code == 200, response.text
    server = response.json()['server']
    assert server['tenant_id'] == cloud.users['demo'].project_id
    assert server['user_id'] == cloud.users['demo'].user_id
    # Not an admin: the services list is refused.
    assert cloud.api('demo').request('GET', '/os-services').status_code == 403


def test_other_project_does_not_see_the_server(cloud, guest):
    if 'other' not in cloud.users:
        cloud.add_member('other')
    other = cloud.api('other')
    assert other.request('GET', '/v2.1/servers/' + guest).status_code == 404
    listed = other.request('GET', '/v2.1/servers').json()['servers']
    assert guest not in [server['id'] for server in listed]


@pytest.mark.parametrize('path', ['/v2.1/servers/detail?all_tenants=1',
                                  '/instances'])
def test_admin_token_sees_every_project(cloud, guest, path):
    admin = cloud.api('admin')
    response = admin.request('GET', path)
    assert response.status_code == 200, response.text
    body = response.json()
    listed = body.get('servers', body.get('instances'))
    assert guest in [server['id'] for server in listed]
    assert admin.request('GET', '/os-services').status_code == 200
