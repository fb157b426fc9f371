"""Authentication filters: X-Auth-Token to a RequestContext, or 401."""

import pytest
import webob
import webob.exc

from consolehub.api.middleware import auth
from consolehub.objects import secret
from consolehub import context as consolehub_context
from consolehub.db import api_tokens as db_api_tokens


class Recorder(object):
    """The app behind the filter: records the context it was given."""

    def __init__(self):
        self.context = None

    def __call__(self, environ, start_response):
        self.context = environ['consolehub.context']
        return webob.Response(status=204)(environ, start_response)


def _call(filter_, headers=None):
    req = webob.Request.blank('/instances', headers=headers or {})
    req.environ['openstack.request_id'] = 'req-1234'
    return req.get_response(filter_)


def test_hash_api_token_is_hex_sha256():
    assert secret.hash_secret('abc') == (
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')


@pytest.mark.parametrize('headers', [
    {}, {'X-Auth-Token': ''}, {'X-Auth-Token': 'x' * 1025},
])
def test_missing_or_oversized_token_is_401_without_a_lookup(headers):
    # No database is configured: the filter must answer before a query.
    recorder = Recorder()
    with pytest.raises(webob.exc.HTTPUnauthorized):
        _call(auth.TokenAuth(recorder), headers)
    assert recorder.context is None


def test_unknown_token_is_401(database):
    recorder = Recorder()
    with pytest.raises(webob.exc.HTTPUnauthorized) as raised:
        _call(auth.TokenAuth(recorder), {'X-Auth-Token': 'nobody'})
    assert raised.value.explanation == 'The X-Auth-Token is not valid.'
    assert recorder.context is None


@pytest.mark.parametrize('roles,is_admin', [
    ([], False), (['member'], False), (['member', 'admin'], True),
])
def test_valid_token_gives_its_context(database, roles, is_admin):
    raw_token = 't' * 1024
    db_api_tokens.api_token_create(consolehub_context.get_admin_context(),
                                   secret.hash_secret(raw_token), 'project-a',
                                   'user-a', roles)
    recorder = Recorder()
    response = _call(auth.TokenAuth(recorder), {'X-Auth-Token': raw_token})
    assert response.status_int == 204
    context = recorder.context
    assert (context.project_id, context.user_id) == ('project-a', 'user-a')
    assert context.roles == roles
    assert context.is_admin is is_admin
    assert context.request_id == 'req-1234'


def test_keystone_context_from_confirmed_identity():
    recorder = Recorder()
    response = _call(auth.KeystoneContext(recorder), {
        'X-Identity-Status': 'Confirmed', 'X-Project-Id': 'project-k',
        'X-User-Id': 'user-k', 'X-Roles': 'member,admin'})
    assert response.status_int == 204
    assert recorder.context.project_id == 'project-k'
    assert recorder.context.user_id == 'user-k'
    assert recorder.context.is_admin is True


def test_keystone_context_refuses_invalid_identity():
    recorder = Recorder()
    with pytest.raises(webob.exc.HTTPUnauthorized):
        _call(auth.KeystoneContext(recorder), {'X-Identity-Status': 'Invalid'})
    assert recorder.context is None
