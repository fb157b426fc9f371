"""Version discovery through both pipelines of etc/api-paste.ini: no token
needed, request ids in Nova's two headers, proxy headers only when
trusted."""

import pytest
import webob

FORWARDED = {'X-Forwarded-Proto': 'https',
             'X-Forwarded-Host': 'compute.example.org'}


@pytest.mark.parametrize('strategy', ['token', 'keystone'])
@pytest.mark.parametrize('path', ['/', '/v2.1', '/v2.1/',
                                  '/v2.1/openapi.json'])
def test_discovery_needs_no_token(load_app, strategy, path):
    response = webob.Request.blank(
        path, base_url='http://10.0.0.5:8774').get_response(
            load_app(strategy))
    assert response.status_int == 200
    assert response.headers['x-openstack-request-id'].startswith('req-')
    assert response.headers['x-compute-request-id'] == (
        response.headers['x-openstack-request-id'])
    if path != '/v2.1/openapi.json':
        assert 'http://10.0.0.5:8774/v2.1/' in response.text


@pytest.mark.parametrize('strategy', ['token', 'keystone'])
def test_the_api_still_needs_a_token(load_app, strategy):
    response = webob.Request.blank('/v2.1/servers').get_response(
        load_app(strategy))
    assert response.status_int == 401
    assert response.json['unauthorized']['code'] == 401
    assert response.headers['x-compute-request-id'].startswith('req-')


def test_forwarded_headers_are_ignored_by_default(load_app):
    response = webob.Request.blank(
        '/v2.1/', base_url='http://10.0.0.5:8774',
        headers=FORWARDED).get_response(load_app('token'))
    assert response.json['version']['links'][0]['href'] == (
        'http://10.0.0.5:8774/v2.1/')


def test_forwarded_headers_of_a_trusted_proxy(load_app, conf_fixture):
    app = load_app('token')
    conf_fixture.config(enable_proxy_headers_parsing=True,
                        group='oslo_middleware')
    response = webob.Request.blank(
        '/v2.1/', base_url='http://10.0.0.5:8774',
        headers=FORWARDED).get_response(app)
    assert response.json['version']['links'][0]['href'] == (
        'https://compute.example.org/v2.1/')
