"""A batch of session ends the database refuses is written at the next
flush, not dropped (else the sessions stay open in the database and
count against max_sessions_per_instance)."""

import asyncio
import sqlite3

from consolehub.conf import CONF
from consolehub.console import service
from consolehub.db import engine as db_engine
from consolehub.objects import console_auth_token
from consolehub.objects import console_session as session_obj
from consolehub.objects import instance as instance_obj


def _open_session(admin):
    instance = instance_obj.create(admin, 'vm', 64, 1, 'h')
    raw_token, _row = console_auth_token.mint(
        admin, ('vnc', 'novnc'), '127.0.0.1', 5900, instance['uuid'])
    outcome, _token, session = session_obj.redeem(
        console_auth_token.hash_token(raw_token), 'novnc', '127.0.0.1',
        True, 0)
    assert outcome == session_obj.REDEEM_OK
    return instance, session


def test_a_refused_batch_is_kept_for_the_next_flush(database, admin):
    instance, session = _open_session(admin)
    book = service.ConsoleProxy().book
    book.calls.start()  # on SQLite the writes run inline, in the loop
    book._ends.append((session['uuid'], session_obj.REASON_CLIENT_CLOSED,
                       10, 20))
    # Another process holds SQLite's write lock longer than the proxy's
    # one-second busy timeout.
    path = CONF.database.connection[len('sqlite:///'):]
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute('BEGIN EXCLUSIVE')
    try:
        asyncio.run(book.flush_ends())
        assert [end[0] for end in book._ends] == [session['uuid']]
    finally:
        blocker.execute('ROLLBACK')
        blocker.close()
    [row] = session_obj.get_all_by_instance(admin, instance['uuid'])
    assert row['ended_at'] is None

    asyncio.run(book.flush_ends())
    assert book._ends == []
    [row] = session_obj.get_all_by_instance(admin, instance['uuid'])
    assert row['ended_at'] is not None
    assert (row['close_reason'], row['bytes_to_client'],
            row['bytes_to_guest']) == (session_obj.REASON_CLIENT_CLOSED,
                                       10, 20)
    book.calls.shutdown()
    db_engine.reset()
