"""The router: routes as data, 404 for unknown paths, 405 with Allow."""

import re

import pytest
import webob

from consolehub.api.middleware import fault
from consolehub.api import router
from consolehub.api import util
from consolehub import policies
from consolehub import rpc


def _handler(name):
    def handler(req):
        return util.json_response(req, {'handler': name,
                                        'urlvars': req.urlvars})
    return handler


DECLARATIONS = {
    '/things': {'GET': _handler('list'), 'POST': _handler('create')},
    '/things/{thing_id}': {'GET': _handler('show'),
                           'DELETE': _handler('delete')},
}


@pytest.fixture
def app(conf_fixture):
    # The router owns a compute API, hence an RPC client on fake://.
    yield fault.FaultWrapper(router.Router(DECLARATIONS))
    rpc.cleanup()


def _call(app, method, path):
    return webob.Request.blank(path, method=method).get_response(app)


@pytest.mark.parametrize('method,path,handler,urlvars', [
    ('GET', '/things', 'list', {}),
    ('POST', '/things', 'create', {}),
    ('GET', '/things/abc', 'show', {'thing_id': 'abc'}),
    ('DELETE', '/things/abc', 'delete', {'thing_id': 'abc'}),
])
def test_dispatches_to_the_declared_handler(app, method, path, handler,
                                            urlvars):
    response = _call(app, method, path)
    assert response.status_int == 200
    assert response.json == {'handler': handler, 'urlvars': urlvars}


def test_handlers_get_the_compute_api(conf_fixture):
    seen = {}

    def handler(req):
        seen['api'] = util.compute_api(req)
        return util.json_response(req, None, 204)

    the_router = router.Router({'/x': {'GET': handler}})
    try:
        assert _call(the_router, 'GET', '/x').status_int == 204
        assert seen['api'] is the_router._compute_api
    finally:
        rpc.cleanup()


@pytest.mark.parametrize('path', ['/', '/nothing', '/things/', '/things/a/b'])
def test_unknown_path_is_404(app, path):
    response = _call(app, 'GET', path)
    assert response.status_int == 404
    assert response.json == {'itemNotFound': {
        'code': 404, 'message': 'The resource could not be found.'}}


@pytest.mark.parametrize('method,path,allow', [
    ('PUT', '/things', 'GET, POST'),
    ('DELETE', '/things', 'GET, POST'),
    ('POST', '/things/abc', 'DELETE, GET'),
    ('PATCH', '/things/abc', 'DELETE, GET'),
])
def test_known_path_with_another_method_is_405_with_allow(app, method, path,
                                                          allow):
    response = _call(app, method, path)
    assert response.status_int == 405
    assert response.headers['Allow'] == allow
    assert response.content_type == 'application/json'
    assert response.json == {'badMethod': {
        'code': 405,
        'message': 'The method %s is not allowed here; use %s.' % (
            method, allow)}}


def _normalized(path):
    return re.sub(r'\{[^}]+\}', '{}', path)


def test_every_route_has_a_documented_policy():
    """Each declared (method, path) is an operation of a policy rule, so
    the policy reference lists every route."""
    documented = {(operation['method'], _normalized(operation['path']))
                  for rule in policies.list_rules()
                  for operation in getattr(rule, 'operations', [])}
    declared = {(method, _normalized(path))
                for path, methods in router.ROUTE_DECLARATIONS.items()
                for method in methods}
    assert declared == documented
