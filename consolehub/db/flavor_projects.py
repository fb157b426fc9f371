"""Queries of ``flavor_projects``: the access lists of private flavors.

Callers pass the row (dict) of a live flavor they read through
:mod:`consolehub.db.flavors`; a project on its access list may see and
boot it.
"""

from oslo_db import exception as db_exception
import sqlalchemy as sa

from consolehub.db import engine
from consolehub.db import models
from consolehub import exception

_PROJECTS = models.FlavorProject.__table__


def access_get(context, flavor):
    """The projects on ``flavor``'s access list, in order of addition."""
    with engine.reader(context) as session:
        return list(session.scalars(
            sa.select(_PROJECTS.c.project_id)
            .where(_PROJECTS.c.flavor_id == flavor['id'])
            .order_by(_PROJECTS.c.id)))


def access_add(context, flavor, project_id):
    """Put ``project_id`` on ``flavor``'s access list.

    :raises FlavorAccessExists: it is there already.
    """
    try:
        with engine.writer(context) as session:
            session.add(models.FlavorProject(flavor_id=flavor['id'],
                                             project_id=project_id))
            session.flush()
    except db_exception.DBDuplicateEntry:
        raise exception.FlavorAccessExists(flavor_id=flavor['flavorid'],
                                           project_id=project_id)


def access_remove(context, flavor, project_id):
    """Take ``project_id`` off ``flavor``'s access list.

    :raises FlavorAccessNotFound: it is not there.
    """
    with engine.writer(context) as session:
        deleted = session.execute(sa.delete(_PROJECTS).where(
            _PROJECTS.c.flavor_id == flavor['id'],
            _PROJECTS.c.project_id == project_id)).rowcount
    if not deleted:
        raise exception.FlavorAccessNotFound(flavor_id=flavor['flavorid'],
                                             project_id=project_id)
