"""Both pipelines of etc/api-paste.ini, chosen by [api] auth_strategy."""

import sqlalchemy as sa
import webob

from consolehub.api.middleware import auth
from consolehub.api.middleware import fault
from consolehub.db import api_tokens as db_api_tokens
from consolehub.db import engine as db_engine
from consolehub.db import models
from consolehub.objects import instance as instance_obj
from consolehub.objects import secret


def test_token_strategy_maps_a_token_to_its_project(load_app, admin,
                                                    project_a):
    db_api_tokens.api_token_create(admin, secret.hash_secret('secret-a'),
                                   'project-a', 'alice', ['member'])
    instance_obj.create(project_a, 'mine', 64, 1, None)
    app = load_app('token')
    response = webob.Request.blank(
        '/instances', headers={'X-Auth-Token': 'secret-a'}).get_response(app)
    assert response.status_int == 200
    assert [i['name'] for i in response.json['instances']] == ['mine']
    refused = webob.Request.blank(
        '/instances', headers={'X-Auth-Token': 'secret-b'}).get_response(app)
    assert refused.status_int == 401
    assert refused.json['unauthorized']['code'] == 401


def test_keystone_strategy_refuses_without_a_token(load_app):
    response = webob.Request.blank('/instances').get_response(
        load_app('keystone'))
    assert response.status_int == 401
    assert response.headers['WWW-Authenticate'] == (
        'Keystone uri="http://127.0.0.1:5000/v3"')
    assert response.json['unauthorized']['message']
    assert 'x-openstack-request-id' in response.headers


def test_keystone_context_trusts_identity_headers(database, project_b):
    instance_obj.create(project_b, 'theirs', 64, 1, None)
    seen = {}

    def app(environ, start_response):
        seen['context'] = environ['consolehub.context']
        start_response('204 No Content', [])
        return []

    response = webob.Request.blank('/', headers={
        'X-Identity-Status': 'Confirmed', 'X-Project-Id': 'project-b',
        'X-User-Id': 'bob', 'X-Roles': 'member,reader'}).get_response(
            auth.KeystoneContext(app))
    assert response.status_int == 204
    context = seen['context']
    assert (context.project_id, context.user_id) == ('project-b', 'bob')
    assert not context.is_admin
    assert [i['name'] for i in instance_obj.get_all(context, 10)] == [
        'theirs']


def test_keystone_context_refuses_an_invalid_identity(database):
    app = fault.FaultWrapper(auth.KeystoneContext(lambda env, start: []))
    response = webob.Request.blank('/', headers={
        'X-Identity-Status': 'Invalid'}).get_response(app)
    assert response.status_int == 401
    assert response.json['unauthorized']['message'] == (
        'Authentication required.')


def _delete_api_tokens():
    with db_engine.get_engine().begin() as connection:
        connection.execute(sa.delete(models.ApiToken))


def _status(app, token):
    return webob.Request.blank('/instances', headers={
        'X-Auth-Token': token}).get_response(app).status_int


def test_known_tokens_are_cached_by_hash(load_app, admin, conf_fixture):
    conf_fixture.config(token_cache_seconds=30, group='api')
    app = load_app('token')
    # An unknown token is not remembered: once created it works at once.
    assert _status(app, 'late-token') == 401
    db_api_tokens.api_token_create(admin, secret.hash_secret('late-token'),
                                   'project-a', 'alice', ['member'])
    assert _status(app, 'late-token') == 200
    # A known one is: it outlives its row for the cache's lifetime.
    _delete_api_tokens()
    assert _status(app, 'late-token') == 200


def test_zero_cache_seconds_looks_up_every_request(load_app, admin,
                                                   conf_fixture):
    conf_fixture.config(token_cache_seconds=0, group='api')
    app = load_app('token')
    db_api_tokens.api_token_create(admin, secret.hash_secret('short-lived'),
                                   'project-a', 'alice', ['member'])
    assert _status(app, 'short-lived') == 200
    _delete_api_tokens()
    assert _status(app, 'short-lived') == 401
