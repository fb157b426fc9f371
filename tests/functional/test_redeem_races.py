"""Console proxies racing to redeem tokens, on SQLite, PostgreSQL, MariaDB.

Token consumption and the session limit are exact across any number of
proxies: several redeem the same token at the same moment through
:func:`consolehub.db.console_sessions.console_session_redeem`, each on a
connection of its own. Threads stand in for them: a barrier releases
them together, so their transactions overlap in the database server.
SQLite's file lock serialises writers whatever the SQL says; PostgreSQL
and MariaDB run the transactions side by side, so only there does a
missing condition show. The token's conditional UPDATE (``used_at IS
NULL``) is what must hold:

* of the racers for a single-use token exactly one opens a session;
* so racers for one token never take more than one slot of
  ``[console] max_sessions_per_instance``;
* racers with *different* tokens of one instance never open more
  sessions than the limit: the instance's row is locked (SQLite: the
  write lock taken at once) before the count.

Each race runs for several rounds, since one round may happen to
serialise by chance.
"""

import threading

import pytest

from consolehub.db import console_sessions as db_sessions
from consolehub.objects import console_auth_token
from consolehub.objects import instance as instance_obj

NOVNC = ('vnc', 'novnc')

#: Racers per round: more than the proxy engine's connections (2 pooled,
#: 2 overflow), as when many clients connect at once.
RACERS = 8
ROUNDS = 10
#: Seconds a racer may take before the test calls it hung.
TIMEOUT = 60


@pytest.fixture
def instance(any_database, project_a):
    return instance_obj.create(project_a, 'raced', 64, 1, 'race-host')


def _race(attempt, racers=RACERS):
    """Run ``attempt(number)`` in ``racers`` threads released together.

    :returns: each racer's result, or the exception it raised, in racer
        order.
    """
    barrier = threading.Barrier(racers)
    results = [None] * racers

    def run(number):
        barrier.wait(TIMEOUT)
        try:
            results[number] = attempt(number)
        except Exception as error:  # reported by the caller's assertion
            results[number] = error

    threads = [threading.Thread(target=run, args=(number,))
               for number in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
        assert not thread.is_alive(), 'a racer hung'
    return results


def _mint(context, instance):
    _raw_token, row = console_auth_token.mint(
        context, NOVNC, '127.0.0.1', 5900, instance['uuid'])
    return row['token_hash']


def _open_sessions(context, instance):
    return [session for session in
            db_sessions.console_session_get_all_by_instance(
                context, instance['uuid'])
            if session['ended_at'] is None]


def test_racing_redeems_of_a_single_use_token_have_one_winner(
        project_a, instance):
    for round_number in range(ROUNDS):
        token_hash = _mint(project_a, instance)
        outcomes = _race(lambda _number: db_sessions.console_session_redeem(
            token_hash, 'novnc', '127.0.0.1', True, 0)[0])
        assert sorted(outcomes, key=str) == (
            [db_sessions.REDEEM_OK] +
            [db_sessions.REDEEM_USED] * (RACERS - 1)), (
                round_number, outcomes)
    # One session per token, whoever won.
    assert len(_open_sessions(project_a, instance)) == ROUNDS


def test_racing_redeems_of_one_token_never_pass_the_session_limit(
        project_a, instance):
    limit = 2
    # Another client holds one of the two slots all along.
    _outcome, _token, held = db_sessions.console_session_redeem(
        _mint(project_a, instance), 'novnc', '127.0.0.1', True, limit)
    for round_number in range(ROUNDS):
        token_hash = _mint(project_a, instance)
        outcomes = _race(lambda _number: db_sessions.console_session_redeem(
            token_hash, 'novnc', '127.0.0.1', True, limit)[0])
        # A loser finds the token used, or (once the winner's session is
        # in) the instance full; never a second session.
        assert outcomes.count(db_sessions.REDEEM_OK) == 1, (
            round_number, outcomes)
        assert set(outcomes) <= {db_sessions.REDEEM_OK,
                                 db_sessions.REDEEM_USED,
                                 db_sessions.REDEEM_LIMIT}, (
            round_number, outcomes)
        opened = _open_sessions(project_a, instance)
        assert len(opened) == limit, (round_number, opened)
        # The winner leaves; the held session stays.
        db_sessions.console_session_finish(
            [(session['uuid'], 'done', 0, 0) for session in opened
             if session['uuid'] != held['uuid']])


def test_racing_redeems_of_different_tokens_stop_at_the_limit(
        project_a, instance):
    limit = 2
    for round_number in range(ROUNDS):
        token_hashes = [_mint(project_a, instance) for _ in range(RACERS)]
        outcomes = _race(lambda number: db_sessions.console_session_redeem(
            token_hashes[number], 'novnc', '127.0.0.1', True, limit)[0])
        assert sorted(outcomes, key=str) == (
            [db_sessions.REDEEM_LIMIT] * (RACERS - limit) +
            [db_sessions.REDEEM_OK] * limit), (round_number, outcomes)
        opened = _open_sessions(project_a, instance)
        assert len(opened) == limit, (round_number, opened)
        db_sessions.console_session_finish(
            [(session['uuid'], 'done', 0, 0) for session in opened])


def test_racing_viewers_and_typists_each_stop_at_their_own_limit(
        project_a, instance):
    """Full and view-only sessions are counted apart, each exactly."""
    limit, viewers = 1, 3
    for round_number in range(ROUNDS):
        tokens = [console_auth_token.mint(
            project_a, NOVNC, '127.0.0.1', 5900, instance['uuid'],
            view_only=number % 2 == 1)[1] for number in range(RACERS)]
        outcomes = _race(lambda number: db_sessions.console_session_redeem(
            tokens[number]['token_hash'], 'novnc', '127.0.0.1', True,
            limit, (), viewers)[0])
        opened = _open_sessions(project_a, instance)
        assert sorted(session['view_only'] for session in opened) == (
            [False] * limit + [True] * viewers), (round_number, outcomes)
        assert all(session['user_id'] == 'alice' for session in opened)
        assert outcomes.count(db_sessions.REDEEM_LIMIT) == (
            RACERS - limit - viewers), (round_number, outcomes)
        db_sessions.console_session_finish(
            [(session['uuid'], 'done', 0, 0) for session in opened])
