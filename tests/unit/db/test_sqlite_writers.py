"""Concurrent writers on one SQLite file, as consolehub-all runs them.

The API creates instances while the agent updates others: each thread
here does what one of them does. In WAL mode (the proxy puts the file in
it) a deferred transaction that read before another connection's commit
cannot write any more: SQLite answers "database is locked" at once,
without waiting. Writer transactions must take the write lock first
(``BEGIN IMMEDIATE``) and a transaction that still loses is retried.
"""

import sqlite3
import threading

from consolehub.conf import CONF
from consolehub.objects import instance as instance_obj

THREADS = 6
ROUNDS = 15


def _wal(database):
    path = CONF.database.connection[len('sqlite:///'):]
    connection = sqlite3.connect(path)
    try:
        assert connection.execute(
            'PRAGMA journal_mode=WAL').fetchone() == ('wal',)
    finally:
        connection.close()


def test_concurrent_creates_and_updates_all_succeed(database, project_a,
                                                    conf_fixture):
    # Quota counting is not the subject: 90 instances in one project.
    conf_fixture.config(instances=-1, cores=-1, ram=-1, group='quota')
    _wal(database)
    errors = []
    start = threading.Barrier(THREADS)

    def work(number):
        try:
            start.wait(10)
            for round_number in range(ROUNDS):
                instance = instance_obj.create(
                    project_a, 'vm-%d-%d' % (number, round_number), 64, 1,
                    'host-1')
                # The agent's read-then-write: reads the row, then claims
                # it, in one transaction.
                changed, _row = instance_obj.update_if(
                    project_a, instance['uuid'], {'status': 'ACTIVE'},
                    {'status': ('BUILD',)})
                assert changed
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(number,))
               for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    rows = instance_obj.get_all(project_a, 1000)
    assert len(rows) == THREADS * ROUNDS
    assert {row['status'] for row in rows} == {'ACTIVE'}
