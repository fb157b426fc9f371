"""Microversion negotiation, version discovery and the OpenAPI document."""

import pytest
import webob
import webob.exc

from consolehub.api.middleware import fault
from consolehub.api import microversion
from consolehub.api import openapi
from consolehub.api import router
from consolehub.api import util
from consolehub.api.middleware import discovery
from consolehub import rpc


def _request(headers=None, path='/v2.1/servers'):
    return webob.Request.blank(path, headers=headers or {})


@pytest.mark.parametrize('headers,expected', [
    ({}, '2.1'),
    ({'OpenStack-API-Version': 'compute 2.6'}, '2.6'),
    ({'OpenStack-API-Version': 'compute latest'},
     str(microversion.MAX_VERSION)),
    ({'OpenStack-API-Version': 'volume 3.5, compute 2.8'}, '2.8'),
    ({'OpenStack-API-Version': 'volume 3.5'}, '2.1'),
    ({'X-OpenStack-Nova-API-Version': '2.9'}, '2.9'),
    # The new header wins over the legacy one.
    ({'OpenStack-API-Version': 'compute 2.3',
      'X-OpenStack-Nova-API-Version': '2.9'}, '2.3'),
])
def test_parse(headers, expected):
    assert str(microversion.parse(_request(headers))) == expected


@pytest.mark.parametrize('value', ['2.0', '1.1', '2.500', '3.0', '2.1000'])
def test_out_of_range_is_406(value):
    with pytest.raises(webob.exc.HTTPNotAcceptable) as error:
        microversion.parse(_request({'OpenStack-API-Version':
                                     'compute ' + value}))
    assert 'Minimum is 2.1 and maximum is %s' % str(
        microversion.MAX_VERSION) in error.value.explanation


@pytest.mark.parametrize('value', ['2', '2.a', '02.1', '2.01', 'x', '2.1.1'])
def test_malformed_is_400(value):
    with pytest.raises(webob.exc.HTTPBadRequest):
        microversion.parse(_request({'X-OpenStack-Nova-API-Version': value}))


def test_versions_are_one_line_each_in_order():
    parsed = [microversion.APIVersion(v) for v, _ in microversion.VERSIONS]
    assert parsed == sorted(set(parsed))
    assert all(text and '\n' not in text
               for _v, text in microversion.VERSIONS)
    assert str(microversion.MIN_VERSION) == '2.1'


def _echo(req):
    return util.json_response(
        req, {'version': str(microversion.request_version(req))})


def _fails(req):
    raise webob.exc.HTTPConflict(explanation='no')


def _app():
    return fault.FaultWrapper(microversion.Microversion(
        router.Router({'/v2.1/x': {'GET': _echo},
                       '/v2.1/fails': {'GET': _fails},
                       '/instances': {'GET': _echo}})))


@pytest.fixture
def app(conf_fixture):
    yield _app()
    rpc.cleanup()


def test_filter_sets_headers_on_success_and_errors(app):
    response = _request({'OpenStack-API-Version': 'compute 2.6'},
                        '/v2.1/x').get_response(app)
    assert response.json == {'version': '2.6'}
    assert response.headers['OpenStack-API-Version'] == 'compute 2.6'
    assert response.headers['X-OpenStack-Nova-API-Version'] == '2.6'
    assert response.headers['Vary'] == (
        'OpenStack-API-Version, X-OpenStack-Nova-API-Version')
    response = _request({}, '/v2.1/fails').get_response(app)
    assert response.status_int == 409
    assert response.headers['OpenStack-API-Version'] == 'compute 2.1'
    assert response.json == {'conflictingRequest': {'code': 409,
                                                    'message': 'no'}}


def test_filter_answers_406_with_nova_body(app):
    response = _request({'OpenStack-API-Version': 'compute 9.9'},
                        '/v2.1/x').get_response(app)
    assert response.status_int == 406
    assert list(response.json) == ['computeFault']
    assert response.json['computeFault']['code'] == 406


def test_filter_leaves_unversioned_paths_alone(app):
    response = _request({'OpenStack-API-Version': 'compute 9.9'},
                        '/instances').get_response(app)
    assert response.status_int == 200
    assert 'OpenStack-API-Version' not in response.headers


def _discovery():
    def refuse(environ, start_response):
        raise AssertionError('discovery must not reach the rest')
    return fault.FaultWrapper(discovery.Discovery(refuse))


@pytest.mark.parametrize('path', ['/v2.1', '/v2.1/'])
def test_version_document(path):
    response = webob.Request.blank(
        path, base_url='https://api.example.org:8774').get_response(
            _discovery())
    version = response.json['version']
    assert version['id'] == 'v2.1'
    assert version['status'] == 'CURRENT'
    assert version['version'] == str(microversion.MAX_VERSION)
    assert version['min_version'] == '2.1'
    assert version['links'] == [{'rel': 'self', 'href':
                                 'https://api.example.org:8774/v2.1/'}]


def test_versions_list_and_405():
    app = _discovery()
    response = webob.Request.blank('/').get_response(app)
    assert [v['id'] for v in response.json['versions']] == ['v2.0', 'v2.1']
    response = webob.Request.blank('/', method='POST').get_response(app)
    assert response.status_int == 405
    assert response.json['badMethod']['code'] == 405


def test_openapi_has_every_route_and_validates(conf_fixture):
    from openapi_spec_validator import validate
    document = openapi.document('http://127.0.0.1:8774',
                                router.ROUTE_DECLARATIONS,
                                router.PUBLIC_ROUTES)
    validate(document)
    declared = {(path, method.lower())
                for path, methods in router.ROUTE_DECLARATIONS.items()
                for method in methods}
    declared |= {(path, 'get') for path in router.PUBLIC_ROUTES}
    documented = {(path, method)
                  for path, operations in document['paths'].items()
                  for method in operations}
    assert documented == declared
    for path in router.PUBLIC_ROUTES:
        assert document['paths'][path]['get']['security'] == []
    create = document['paths']['/v2.1/servers']['post']
    assert create['requestBody']['content']['application/json'][
        'schema']['properties']['server']['required'] == [
            'name', 'flavorRef', 'networks']
    assert document['paths']['/v2.1/servers/{server_id}/remote-consoles'][
        'post']['x-openstack-microversion']['min'] == '2.6'
