"""The console sessions API: list an instance's sessions, end one."""

import pytest
import webob

from consolehub.api.middleware import fault
from consolehub.api import router
from consolehub.objects import console_auth_token
from consolehub.db import console_sessions as db_sessions
from consolehub.objects import instance as instance_obj
from consolehub import rpc


@pytest.fixture
def app(database, conf_fixture):
    conf_fixture.config(transport_url='fake://')
    # Only our routes: the router's full table may name handlers that
    # other work has not finished.
    yield fault.FaultWrapper(router.Router({
        path: methods for path, methods in router.ROUTE_DECLARATIONS.items()
        if 'console-sessions' in path}))
    rpc.cleanup()


def _call(app, context, method, path):
    request = webob.Request.blank(path, method=method)
    request.environ['consolehub.context'] = context
    return request.get_response(app)


@pytest.fixture
def session(project_a, admin):
    instance = instance_obj.create(project_a, 'vm', 64, 1, 'h')
    _raw, token = console_auth_token.mint(
        project_a, ('vnc', 'novnc'), '127.0.0.1', 5900, instance['uuid'])
    _outcome, _token, opened = db_sessions.console_session_redeem(
        token['token_hash'], 'novnc', '10.0.0.7', True, 2)
    return opened


def test_admin_lists_and_ends_a_session(app, admin, session):
    path = '/servers/%s/console-sessions' % session['instance_uuid']
    response = _call(app, admin, 'GET', path)
    assert response.status_int == 200
    [listed] = response.json['console_sessions']
    assert listed['id'] == session['uuid']
    assert listed['status'] == 'open'
    assert listed['client_address'] == '10.0.0.7'
    assert len(listed['token_hash_prefix']) == 8
    assert listed['bytes_to_client'] == 0
    # Who typed: the token's user, in a full session.
    assert (listed['user_id'], listed['view_only']) == ('alice', False)

    response = _call(app, admin, 'DELETE', path + '/' + session['uuid'])
    assert response.status_int == 202
    [listed] = _call(app, admin, 'GET', path).json['console_sessions']
    assert listed['status'] == 'ending'
    assert listed['close_reason'] == 'ended by an administrator'
    missing = _call(app, admin, 'DELETE',
                    path + '/00000000-0000-4000-8000-000000000000')
    assert missing.status_int == 404


def test_project_members_may_not(app, project_a, session):
    path = '/instances/%s/console-sessions' % session['instance_uuid']
    assert _call(app, project_a, 'GET', path).status_int == 403
    assert _call(app, project_a, 'DELETE',
                 path + '/' + session['uuid']).status_int == 403


def test_unknown_instance_is_404(app, admin, session):
    path = '/instances/00000000-0000-4000-8000-000000000000/console-sessions'
    assert _call(app, admin, 'GET', path).status_int == 404


def test_view_only_sessions_say_who_watched(app, admin, project_a):
    instance = instance_obj.create(project_a, 'vm', 64, 1, 'h')
    _raw, token = console_auth_token.mint(
        project_a, ('vnc', 'novnc'), '127.0.0.1', 5900, instance['uuid'],
        view_only=True)
    db_sessions.console_session_redeem(token['token_hash'], 'novnc',
                                       '10.0.0.8', True, 2, (), 2)
    path = '/servers/%s/console-sessions' % instance['uuid']
    [listed] = _call(app, admin, 'GET', path).json['console_sessions']
    assert (listed['user_id'], listed['view_only']) == ('alice', True)
