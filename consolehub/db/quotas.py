"""Queries of ``quotas`` and ``quota_usage_locks``.

``quotas`` holds the limits an administrator set per project and
resource. :func:`run_with_usage_locked` runs a quota-checked create in
one transaction that first updates the project's ``quota_usage_locks``
row: PostgreSQL and MariaDB then hold that row's lock, SQLite its one
write lock, until the commit, so two creates of one project count usage
one after the other and cannot both take the last unit of a limit.
"""

from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exception
import sqlalchemy as sa

from consolehub.db import engine
from consolehub.db import models

_QUOTAS = models.Quota.__table__
_LOCKS = models.QuotaUsageLock.__table__


def quota_get_all_by_project(context, project_id):
    """``{resource: hard_limit}`` an administrator set for ``project_id``."""
    with engine.reader(context) as session:
        rows = session.execute(
            sa.select(_QUOTAS.c.resource, _QUOTAS.c.hard_limit).where(
                _QUOTAS.c.project_id == project_id)).all()
    return {resource: limit for resource, limit in rows}


@oslo_db_api.wrap_db_retry(max_retries=5, retry_on_deadlock=True)
def quota_set(context, project_id, limits):
    """Set ``{resource: hard_limit}`` for ``project_id``, in one
    transaction (an update where a row exists, else an insert)."""
    with engine.writer(context) as session:
        existing = quota_get_all_by_project(context, project_id)
        for resource, limit in limits.items():
            if resource in existing:
                session.execute(sa.update(_QUOTAS).where(
                    _QUOTAS.c.project_id == project_id,
                    _QUOTAS.c.resource == resource).values(
                        hard_limit=limit))
            else:
                session.add(models.Quota(project_id=project_id,
                                         resource=resource,
                                         hard_limit=limit))
        session.flush()


def quota_destroy_all_by_project(context, project_id):
    """Forget every limit set for ``project_id`` (defaults apply again)."""
    with engine.writer(context) as session:
        session.execute(sa.delete(_QUOTAS).where(
            _QUOTAS.c.project_id == project_id))


def _ensure_usage_lock(context, project_id):
    """Create the project's lock row, in a transaction of its own, unless
    it exists. A concurrent creator's insert may win: that is fine."""
    with engine.reader(context) as session:
        found = session.execute(sa.select(_LOCKS.c.id).where(
            _LOCKS.c.project_id == project_id)).first()
    if found is not None:
        return
    try:
        with engine.writer(context) as session:
            session.execute(sa.insert(_LOCKS).values(
                project_id=project_id, generation=0))
    except db_exception.DBDuplicateEntry:
        pass


@oslo_db_api.wrap_db_retry(max_retries=5, retry_on_deadlock=True)
def run_with_usage_locked(context, project_id, work):
    """Call ``work()`` in a write transaction that holds the project's
    usage lock from its first statement to its commit.

    ``work`` runs every query of its own with ``engine.writer(context)``
    or ``engine.reader(context)``, which join this transaction. On a
    deadlock the whole transaction, ``work`` included, is run again.

    :returns: what ``work`` returns.
    """
    _ensure_usage_lock(context, project_id)
    with engine.writer(context) as session:
        # The first statement writes: SQLite then waits for the write
        # lock (busy timeout) instead of failing a read lock's upgrade.
        session.execute(
            sa.update(_LOCKS).where(_LOCKS.c.project_id == project_id)
            .values(generation=_LOCKS.c.generation + 1))
        return work()
