"""Nova-style faults: one JSON body format for every error."""

import pytest
import webob
import webob.dec
import webob.exc

from consolehub.api.middleware import fault


@pytest.mark.parametrize('code,name', [
    (400, 'badRequest'), (401, 'unauthorized'), (403, 'forbidden'),
    (404, 'itemNotFound'), (405, 'badMethod'), (409, 'conflictingRequest'),
    (413, 'overLimit'), (415, 'badMediaType'), (500, 'computeFault'),
    (503, 'serviceUnavailable'), (418, 'computeFault'),
])
def test_fault_body_names(code, name):
    assert fault.fault_body(code, 'why') == {
        name: {'code': code, 'message': 'why'}}


def _get(app, method='GET'):
    return webob.Request.blank('/x', method=method).get_response(
        fault.FaultWrapper(app))


def test_raised_error_becomes_a_json_fault():
    def app(environ, start_response):
        raise webob.exc.HTTPConflict(explanation='Busy right now.')

    response = _get(app)
    assert response.status_int == 409
    assert response.content_type == 'application/json'
    assert response.charset == 'utf-8'
    assert response.json == {'conflictingRequest': {
        'code': 409, 'message': 'Busy right now.'}}


def test_error_headers_are_kept():
    def app(environ, start_response):
        raise webob.exc.HTTPMethodNotAllowed(headers={'Allow': 'GET'})

    response = _get(app, 'POST')
    assert response.status_int == 405
    assert response.headers['Allow'] == 'GET'
    assert response.json['badMethod']['code'] == 405


def test_unexpected_exception_is_a_500_that_leaks_nothing():
    def app(environ, start_response):
        raise RuntimeError('password=hunter2')

    response = _get(app)
    assert response.status_int == 500
    assert response.json['computeFault']['code'] == 500
    assert 'hunter2' not in response.text


def test_error_kept_by_inner_app_survives_rendering_middleware():
    """A filter between the wrapper and the app (oslo.middleware's use
    ``wsgify``) renders a raised error as HTML; keeps_fault keeps the
    original message."""
    class Inner(object):
        @fault.keeps_fault
        def __call__(self, environ, start_response):
            raise webob.exc.HTTPNotFound(explanation='Instance X is gone.')

    inner = Inner()

    @webob.dec.wsgify
    def rendering_filter(req):
        return req.get_response(inner)

    response = _get(rendering_filter)
    assert response.status_int == 404
    assert response.json == {'itemNotFound': {
        'code': 404, 'message': 'Instance X is gone.'}}


def test_plain_error_response_from_other_middleware_is_converted():
    @webob.dec.wsgify
    def sizelimit(req):
        return webob.Response(status=413, content_type='text/plain',
                              body=b'too big')

    response = _get(sizelimit)
    assert response.status_int == 413
    assert response.content_type == 'application/json'
    assert response.json == {'overLimit': {
        'code': 413,
        'message': webob.exc.HTTPRequestEntityTooLarge.explanation}}


def test_json_error_response_passes_unchanged():
    body = {'itemNotFound': {'code': 404, 'message': 'already a fault'}}

    @webob.dec.wsgify
    def app(req):
        return webob.Response(status=404, json_body=body)

    response = _get(app)
    assert response.status_int == 404
    assert response.json == body


def test_success_passes_unchanged():
    @webob.dec.wsgify
    def app(req):
        return webob.Response(status=202, content_type='text/plain',
                              body=b'accepted')

    response = _get(app)
    assert response.status_int == 202
    assert response.body == b'accepted'
