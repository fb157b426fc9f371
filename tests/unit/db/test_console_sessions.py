"""One-time tokens and console session records in the database.

Racing redeems are in tests/functional/test_redeem_races.py, on SQLite,
PostgreSQL and MariaDB.
"""

import pytest

from consolehub.objects import console_auth_token
from consolehub.db import console_sessions as db_sessions
from consolehub.objects import instance as instance_obj
from consolehub.objects import console_session as session_obj
from consolehub import exception

NOVNC = ('vnc', 'novnc')


@pytest.fixture
def token(database, project_a):
    instance = instance_obj.create(project_a, 'vm', 64, 1, 'h')
    raw_token, row = console_auth_token.mint(
        project_a, NOVNC, '127.0.0.1', 5900, instance['uuid'])
    return row


def _open(token, single_use=True, limit=0):
    """Redeem ``token`` as the proxy does: ``(outcome, session or None)``."""
    outcome, _token, session = db_sessions.console_session_redeem(
        token['token_hash'], 'novnc', '127.0.0.1', single_use, limit)
    return outcome, session


def _end(session, reason, to_client=0, to_guest=0):
    db_sessions.console_session_finish([(session['uuid'], reason, to_client,
                                         to_guest)])


def test_token_is_consumed_once(token):
    outcome, first = _open(token)
    assert outcome == db_sessions.REDEEM_OK
    assert first['token_hash_prefix'] == token['token_hash'][:8]
    assert _open(token) == (db_sessions.REDEEM_USED, None)


def test_reusable_token_when_not_single_use(token):
    assert _open(token, single_use=False)[0] == db_sessions.REDEEM_OK
    assert _open(token, single_use=False)[0] == db_sessions.REDEEM_OK


def test_session_limit(token):
    _open(token, single_use=False, limit=2)
    _outcome, second = _open(token, single_use=False, limit=2)
    assert _open(
        token,
        single_use=False,
        limit=2) == (
        db_sessions.REDEEM_LIMIT,
        None)
    _end(second, 'done', 10, 20)
    assert _open(token, single_use=False, limit=2)[0] == db_sessions.REDEEM_OK


def test_end_records_counts_and_reason(admin, token):
    _outcome, session = _open(token)
    _end(session, 'idle timeout', 1234, 56)
    [row] = db_sessions.console_session_get_all_by_instance(
        admin, token['instance_uuid'])
    assert row['ended_at'] is not None
    assert (row['bytes_to_client'], row['bytes_to_guest']) == (1234, 56)
    assert row['close_reason'] == 'idle timeout'
    # Ending twice keeps the first record.
    _end(session, 'other')
    [row] = db_sessions.console_session_get_all_by_instance(
        admin, token['instance_uuid'])
    assert row['close_reason'] == 'idle timeout'


def test_request_end_and_instance_delete(admin, project_a, project_b,
                                         token):
    _outcome, first = _open(token, single_use=False)
    _outcome, second = _open(token, single_use=False)
    instance_uuid = token['instance_uuid']
    with pytest.raises(exception.InstanceNotFound):
        db_sessions.console_session_request_end(project_b, instance_uuid,
                                                first['uuid'], 'x')
    db_sessions.console_session_request_end(
        admin, instance_uuid, first['uuid'], 'ended by an administrator')
    assert session_obj.ends_requested(
        admin, [first['uuid'], second['uuid']]) == {
            first['uuid']: 'ended by an administrator'}
    instance_obj.destroy(project_a, instance_uuid)
    assert session_obj.ends_requested(
        admin, [first['uuid'], second['uuid']]) == {
            first['uuid']: 'ended by an administrator',
            second['uuid']: session_obj.REASON_INSTANCE_DELETED}


def test_request_end_of_ended_session_is_not_found(admin, token):
    _outcome, session = _open(token)
    _end(session, 'x')
    with pytest.raises(exception.ConsoleSessionNotFound):
        db_sessions.console_session_request_end(admin, token['instance_uuid'],
                                                session['uuid'], 'x')


def test_redeem_outcomes(admin, project_a, token):
    redeem = db_sessions.console_session_redeem
    assert redeem('0' * 64, 'novnc', None, True, 0)[0] == (
        db_sessions.REDEEM_INVALID)
    # Another console type's proxy does not take the token.
    assert redeem(token['token_hash'], 'serial', None, True, 0)[0] == (
        db_sessions.REDEEM_INVALID)
    outcome, _token, first = redeem(token['token_hash'], 'novnc', 'a',
                                    False, 1)
    assert outcome == db_sessions.REDEEM_OK
    assert redeem(token['token_hash'], 'novnc', 'a', False, 1)[0] == (
        db_sessions.REDEEM_LIMIT)
    # A session whose end is not written yet does not count.
    assert redeem(token['token_hash'], 'novnc', 'a', False, 1,
                  [first['uuid']])[0] == db_sessions.REDEEM_OK
    db_sessions.console_session_finish([(first['uuid'], 'done', 5, 6)])
    rows = db_sessions.console_session_get_all_by_instance(
        admin, token['instance_uuid'])
    assert [(row['close_reason'], row['bytes_to_client'])
            for row in rows if row['uuid'] == first['uuid']] == [('done', 5)]


def test_view_only_sessions_have_their_own_limit(admin, project_a, token):
    viewer_token = console_auth_token.mint(
        project_a, NOVNC, '127.0.0.1', 5900, token['instance_uuid'],
        view_only=True)[1]
    assert (viewer_token['view_only'], viewer_token['user_id']) == (
        True, 'alice')
    redeem = db_sessions.console_session_redeem

    def open_viewer():
        return redeem(viewer_token['token_hash'], 'novnc', 'v', False,
                      1, (), 2)

    assert _open(token, single_use=False, limit=1)[0] == (
        db_sessions.REDEEM_OK)
    # The full session's limit is reached; viewers count apart.
    assert _open(token, single_use=False, limit=1)[0] == (
        db_sessions.REDEEM_LIMIT)
    outcome, _row, first = open_viewer()
    assert outcome == db_sessions.REDEEM_OK
    assert open_viewer()[0] == db_sessions.REDEEM_OK
    assert open_viewer()[0] == db_sessions.REDEEM_LIMIT
    # A viewer whose end is not written yet does not count.
    assert redeem(viewer_token['token_hash'], 'novnc', 'v', False, 1,
                  [first['uuid']], 2)[0] == db_sessions.REDEEM_OK
    rows = db_sessions.console_session_get_all_by_instance(
        admin, token['instance_uuid'])
    assert sorted((row['view_only'], row['user_id']) for row in rows) == [
        (False, 'alice'), (True, 'alice'), (True, 'alice'),
        (True, 'alice')]
