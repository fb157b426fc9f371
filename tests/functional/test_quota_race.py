"""Quota checks are atomic: concurrent creates never pass a limit.

Eight processes, each with its own database connection, create an
instance of one project at the same moment while the project has room
for exactly one more. Exactly one create must win and seven must get Nova's 403
"Quota exceeded", on SQLite, on this machine's PostgreSQL and on its
MariaDB (each a fresh database; a server that is not up skips its case
and says so). Processes, not threads: pure-Python drivers (PyMySQL) hold
the GIL long enough to serialize threads by accident.

Without the project's usage lock these tests fail on all three: several
creates win on PostgreSQL and MariaDB, and SQLite answers "database is
locked" to the creates that read before they wrote.
"""

import multiprocessing
import threading

import pytest

from consolehub.conf import CONF
from consolehub import context as consolehub_context
from consolehub.db import engine as db_engine
from consolehub import exception
from consolehub.objects import instance as instance_obj
from consolehub.objects import quota

THREADS = 8
ROUNDS = 5
#: Seconds a thread may wait for its create (SQLite writers queue up).
JOIN_TIMEOUT = 60


def _context(project_id):
    return consolehub_context.RequestContext(project_id=project_id,
                                             user_id='racer')


def _create_in_child(barrier, results, project_id, number, memory_mb,
                     vcpus):
    """A racer, in a forked process of its own (no GIL shared with the
    others): one create, its outcome put on ``results``."""
    try:
        db_engine.reset()  # the parent's pooled connections stay its own
        context = _context(project_id)
        barrier.wait(JOIN_TIMEOUT)
        instance_obj.create(context, 'racer-%d' % number, memory_mb,
                            vcpus, None)
        results.put(('created', None))
    except exception.OverQuota as error:
        results.put(('refused', str(error)))
    except BaseException as error:
        results.put(('failed', repr(error)))


def _race(project_id, memory_mb=64, vcpus=1):
    """Start THREADS creates at once, each in its own process; returns
    ``(created, refused)``, the second a list of messages."""
    forking = multiprocessing.get_context('fork')
    barrier = forking.Barrier(THREADS)
    results = forking.Queue()
    db_engine.reset()
    children = [forking.Process(target=_create_in_child, args=(
        barrier, results, project_id, number, memory_mb, vcpus))
        for number in range(THREADS)]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=JOIN_TIMEOUT) for _ in children]
    for child in children:
        child.join(JOIN_TIMEOUT)
        assert child.exitcode == 0
    assert [detail for kind, detail in outcomes if kind == 'failed'] == []
    return ([kind for kind, _detail in outcomes if kind == 'created'],
            [detail for kind, detail in outcomes if kind == 'refused'])


@pytest.mark.parametrize('round_number', range(ROUNDS))
def test_only_one_create_takes_the_last_instance(any_database, conf_fixture,
                                                 round_number):
    conf_fixture.config(instances=3, group='quota')
    project_id = 'race-instances-%d' % round_number
    for number in range(2):
        instance_obj.create(_context(project_id), 'before-%d' % number,
                            64, 1, None)

    created, refused = _race(project_id)

    assert len(created) == 1, created
    assert refused == ['Quota exceeded for instances: Requested 1, but '
                       'already used 3 of 3 instances'] * (THREADS - 1)
    assert quota.get_usage(_context(project_id), project_id)[
        'instances'] == 3


def test_only_one_create_takes_the_last_cores(any_database, conf_fixture):
    conf_fixture.config(cores=5, ram=1024, group='quota')
    project_id = 'race-cores'
    instance_obj.create(_context(project_id), 'before', 128, 3, None)

    created, refused = _race(project_id, memory_mb=256, vcpus=2)

    assert len(created) == 1, created
    assert set(refused) == {'Quota exceeded for cores: Requested 2, but '
                            'already used 5 of 5 cores'}
    assert quota.get_usage(_context(project_id), project_id,
                           ['instances', 'cores', 'ram']) == {
        'instances': 2, 'cores': 5, 'ram': 384}


def test_other_projects_do_not_wait_for_each_other(any_database,
                                                   conf_fixture):
    """The lock is per project: each of eight projects with room for one
    gets its instance."""
    conf_fixture.config(instances=1, group='quota')
    barrier = threading.Barrier(THREADS)
    created, failed = [], []

    def create(number):
        context = _context('own-project-%d' % number)
        barrier.wait()
        try:
            created.append(instance_obj.create(context, 'mine', 64, 1, None))
        except Exception as error:
            failed.append(error)

    threads = [threading.Thread(target=create, args=(number,))
               for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert failed == [] and len(created) == THREADS
    assert CONF.quota.instances == 1
