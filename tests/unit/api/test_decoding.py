"""The API's one decoding policy, through the whole paste pipeline.

``webob.Request.blank`` percent-decodes the path into ``PATH_INFO`` as a
string of octets, exactly as WSGI servers do (PEP 3333), so ``/%FF``
reaches the pipeline as a real server would hand it over.
"""

import json
import logging

import pytest
import sqlalchemy as sa
import webob

from consolehub.api.middleware import decoding
from consolehub.api.middleware import fault
from consolehub.api import redaction
from consolehub.api import router
from consolehub.db import api_tokens as db_api_tokens
from consolehub.db import engine as db_engine
from consolehub.objects import console_auth_token
from consolehub.objects import secret

MEMBER_TOKEN = 'member-token'
ADMIN_TOKEN = 'admin-token'


@pytest.fixture
def app(load_app, admin):
    db_api_tokens.api_token_create(admin, secret.hash_secret(MEMBER_TOKEN),
                                   'project-a', 'alice', ['member'])
    db_api_tokens.api_token_create(admin, secret.hash_secret(ADMIN_TOKEN),
                                   'ops', 'root', ['admin'])
    return load_app('token')


def _call(app, path, method='GET', body=None, token=MEMBER_TOKEN,
          headers=None):
    request = webob.Request.blank(path, method=method)
    if token:
        request.headers['X-Auth-Token'] = token
    request.headers.update(headers or {})
    if body is not None:
        request.content_type = 'application/json'
        request.body = body
    return request.get_response(app)


def _assert_bad_request(response, where):
    assert response.status_int == 400, response.body
    assert response.content_type == 'application/json'
    message = response.json['badRequest']['message']
    assert message.startswith('Invalid %s: ' % where), message
    assert response.headers['x-openstack-request-id'].startswith('req-')


@pytest.mark.parametrize('path', [
    '/%FF',
    '/instances/%FF',
    '/instances/%C3',                  # a UTF-8 sequence cut short
    '/v2.1/servers/%ED%A0%80',         # a surrogate, UTF-8 encoded
    '/instances/%00',
    '/v2.1/os-console-auth-tokens/%FF',
    '/v2.1/flavors/%C0%AF',            # an overlong "/"
])
@pytest.mark.parametrize('token', [MEMBER_TOKEN, None])
def test_undecodable_path_is_a_400_fault(app, path, token):
    _assert_bad_request(_call(app, path, token=token), 'path')


@pytest.mark.parametrize('path', [
    '/v2.1/servers?name=%FF',
    '/v2.1/servers?limit=%FF',
    '/instances?limit=%FF',
    '/instances?x%FF=1',
    '/v2.1/servers?name=%00',
    '/v2.1/flavors?marker=%ED%B0%80',
    '/v2.1/servers?name=\xff',         # a raw octet, not percent-encoded
])
def test_undecodable_query_is_a_400_fault(app, path):
    _assert_bad_request(_call(app, path), 'query string')


def test_utf8_path_parameters_reach_handlers_as_text(app):
    response = _call(app, '/instances/%C3%A9t%C3%A9')
    assert response.status_int == 404
    assert response.json['itemNotFound']['message'] == (
        'Instance \u00e9t\u00e9 could not be found.')


def test_utf8_query_is_served(app):
    response = _call(app, '/v2.1/servers?name=%C3%A9t%C3%A9')
    assert response.status_int == 200, response.body
    assert response.json == {'servers': []}


@pytest.mark.parametrize('body,where', [
    (b'{"instance": {"name": "a\\ud800b"}}', 'JSON string'),
    (b'{"instance": {"name": "a\\udc00"}}', 'JSON string'),
    (b'{"instance": {"a\\ud800": "x"}}', 'JSON string'),
    (b'{"instance": {"name": "a\\u0000b"}}', 'JSON string'),
    (b'{"instance": {"name": "caf\xe9"}}', 'request body'),
    ('{"instance": {"name": "x"}}'.encode('utf-16'), 'request body'),
])
def test_bad_text_in_json_bodies_is_a_400_fault(app, body, where):
    _assert_bad_request(
        _call(app, '/instances', method='POST', body=body), where)


def test_nested_lone_surrogate_is_found():
    deep = {'a': [1, {'b': ['ok', 'x\udfffy']}]}
    with pytest.raises(webob.exc.HTTPBadRequest) as raised:
        decoding.check_json_text(deep)
    assert '\\udfff' in raised.value.explanation


def test_a_surrogate_pair_is_one_character_and_fine(app):
    response = _call(app, '/instances', method='POST',
                     body=b'{"instance": {"name": "vm-\\ud83d\\ude00"}}')
    # 202, or ERROR without a compute host: not refused by the policy.
    assert response.status_int == 202, response.body
    assert response.json['instance']['name'] == 'vm-\U0001f600'


def test_fault_wrapper_logs_an_undecodable_path(caplog):
    """The wrapper's own logging never fails, whatever the path holds."""
    def broken(environ, start_response):
        raise RuntimeError('boom')

    request = webob.Request.blank('/v2.1/%FF%FE')
    with caplog.at_level(logging.ERROR):
        response = request.get_response(fault.FaultWrapper(broken))
    assert response.status_int == 500
    assert response.json['computeFault']['code'] == 500
    assert 'Unexpected error handling GET /v2.1/\\xff\\xfe' in caplog.text


# -- no raw console token in any log line -----------------------------------

def _drop_table(name):
    with db_engine.get_engine().begin() as connection:
        connection.execute(sa.text('DROP TABLE %s' % name))


def test_unexpected_error_on_a_token_path_logs_no_token(app, admin, caplog):
    raw_token, _row = console_auth_token.mint(
        admin, ('vnc', 'novnc'), '127.0.0.1', 5900,
        '11111111-2222-3333-4444-555555555555')
    _drop_table('console_auth_tokens')
    with caplog.at_level(logging.DEBUG):
        response = _call(app, '/v2.1/os-console-auth-tokens/' + raw_token,
                         token=ADMIN_TOKEN,
                         headers={'OpenStack-API-Version': 'compute 2.31'})
    assert response.status_int == 500
    assert raw_token not in response.text
    assert 'GET /v2.1/os-console-auth-tokens/***' in caplog.text
    assert raw_token not in caplog.text
    for record in caplog.records:
        assert raw_token not in json.dumps(record.args, default=str)


def test_every_route_with_a_token_parameter_is_masked():
    masked = set(redaction.SECRET_PATHS)
    with_tokens = {path for path in router.ROUTE_DECLARATIONS
                   if 'token}' in path}
    assert with_tokens and with_tokens <= masked


@pytest.mark.parametrize('path,logged', [
    ('/v2.1/os-console-auth-tokens/abc', '/v2.1/os-console-auth-tokens/***'),
    ('/compute/v2.1/os-console-auth-tokens/a/b',
     '/compute/v2.1/os-console-auth-tokens/***'),
    ('/v2.1/servers/abc', '/v2.1/servers/abc'),
])
def test_loggable_path_masks_secrets(path, logged):
    assert redaction.loggable_path({'PATH_INFO': path}) == logged


def test_loggable_path_never_raises():
    assert redaction.loggable_path({'PATH_INFO': 42}) == '<unprintable path>'
    assert redaction.loggable_path(
        {'PATH_INFO': '/' + 'x' * 2000}).endswith('x...')
