"""Quota checks are atomic: concurrent creates never pass a limit.

Eight processes, each with its own database connection, create an
instance of one project at the same moment while the project has room
for exactly one more. Exactly one create must win and seven must get Nova's 403
"Quota exceeded", on SQLite, on this machine's PostgreSQL and on its
MariaDB (each a fresh database; a server that is not up skips its case
and says so). Likewise eight uploads of image data that each fit the
project's image_size_total but no two of which fit together: exactly
one is stored, seven get Glance's 413 and leave their image queued.
Processes, not threads: pure-Python drivers (PyMySQL) hold the GIL long
enough to serialize threads by accident.

Without the project's usage lock these tests fail on all three: several
creates win on PostgreSQL and MariaDB, and SQLite answers "database is
locked" to the creates that read before they wrote.
"""

import multiprocessing
import os
import threading

import pytest

from consolehub.conf import CONF
from consolehub import context as consolehub_context
from consolehub.db import engine as db_engine
from consolehub import exception
from consolehub.image import api as image_api
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


def _race(project_id, memory_mb=64, vcpus=1, racer=_create_in_child,
          racer_args=None):
    """Start THREADS creates at once, each in its own process; returns
    ``(created, refused)``, the second a list of messages.

    :param racer: what each process runs, with ``(barrier, results,
        project_id, number)`` and ``racer_args[number]`` (default: an
        instance create of ``memory_mb`` and ``vcpus``).
    """
    forking = multiprocessing.get_context('fork')
    barrier = forking.Barrier(THREADS)
    results = forking.Queue()
    db_engine.reset()
    if racer_args is None:
        racer_args = [(memory_mb, vcpus)] * THREADS
    children = [forking.Process(target=racer, args=(
        barrier, results, project_id, number) + tuple(racer_args[number]))
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
    conf_fixture.config(cores=5, group='quota')
    conf_fixture.config(ram=1024, group='quota')
    project_id = 'race-cores'
    instance_obj.create(_context(project_id), 'before', 128, 3, None)

    created, refused = _race(project_id, memory_mb=256, vcpus=2)

    assert len(created) == 1, created
    assert set(refused) == {'Quota exceeded for cores: Requested 2, but '
                            'already used 5 of 5 cores'}
    assert quota.get_usage(_context(project_id), project_id,
                           ['instances', 'cores', 'ram']) == {
        'instances': 2, 'cores': 5, 'ram': 384}


def test_other_projects_do_not_wait_for_each_other(any_database, conf_fixture):
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


class _Zeros(object):
    """``size`` zero bytes, read with ``read(size)``."""

    def __init__(self, size):
        self.left = size

    def read(self, size):
        size = min(size, self.left)
        self.left -= size
        return b'\0' * size


#: Each racer's upload: three quarters of the 1 MiB quota.
UPLOAD_SIZE = 3 * 1024 * 1024 // 4


def _upload_in_child(barrier, results, project_id, number, image_uuid):
    """An upload racer, in a forked process of its own: the data of
    ``image_uuid`` (its length known, as with Content-Length)."""
    try:
        db_engine.reset()
        context = _context(project_id)
        barrier.wait(JOIN_TIMEOUT)
        image_api.upload(context, image_uuid, _Zeros(UPLOAD_SIZE),
                         UPLOAD_SIZE)
        results.put(('created', None))
    except exception.ImageQuotaExceeded as error:
        results.put(('refused', str(error)))
    except BaseException as error:
        results.put(('failed', repr(error)))


@pytest.mark.parametrize('round_number', range(3))
def test_only_one_upload_takes_the_last_image_space(any_database,
                                                    conf_fixture, tmp_path,
                                                    round_number):
    conf_fixture.config(image_size_total=1, group='quota')
    conf_fixture.config(store_path=str(tmp_path / 'images'), group='image')
    project_id = 'race-image-size-%d' % round_number
    context = _context(project_id)
    images = [image_api.create(context, {
        'name': 'racer-%d' % number, 'disk_format': 'raw',
        'container_format': 'bare'}, {}) for number in range(THREADS)]

    created, refused = _race(project_id, racer=_upload_in_child,
                             racer_args=[(image['uuid'],)
                                         for image in images])

    assert len(created) == 1, created
    assert refused == [
        'The request returned a 413 Request Entity Too Large. This '
        'generally means that rate limiting or a quota threshold was '
        'breached. Project %s is over a limit for [Resource '
        'image_size_total is over limit of 1 due to current usage 1 and '
        'delta 1]' % project_id] * (THREADS - 1)
    statuses = sorted(image_api.get(context, image['uuid'])['status']
                      for image in images)
    assert statuses == ['active'] + ['queued'] * (THREADS - 1)
    assert len(os.listdir(CONF.image.store_path)) == 1
    assert image_api.usage(context, project_id)['image_size_total'] == (
        1, 0)
