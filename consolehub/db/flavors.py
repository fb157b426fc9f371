"""Queries of ``flavors``: the named sizes of instances (Nova's flavors).

A caller sees the live public flavors, the private ones whose access
list names its project (:mod:`consolehub.db.flavor_projects`), and, if
an administrator, every live flavor. A deleted flavor keeps its row
(``deleted`` set to its ``id``) so that instances made from it still
name it until purged; queries see live rows only.
Rows leave as dicts.
"""

from oslo_db import exception as db_exception
from oslo_db.sqlalchemy import utils as db_utils
from oslo_utils import timeutils
import sqlalchemy as sa

from consolehub.db import engine
from consolehub.db import models
from consolehub import exception

FLAVORS = models.Flavor.__table__
_PROJECTS = models.FlavorProject.__table__
_EXTRA_SPECS = models.FlavorExtraSpec.__table__

#: Columns a list may be sorted by: Nova's but ``vcpu_weight`` (which
#: we lack) and the nullable ``description`` and ``updated_at``, past
#: whose NULLs a marker cannot page (every row has a ``created_at``).
SORT_KEYS = ('created_at', 'disabled', 'ephemeral_gb', 'flavorid', 'id',
             'is_public', 'memory_mb', 'name', 'root_gb', 'rxtx_factor',
             'swap', 'vcpus')


def _visible(context):
    """The WHERE clause of the live flavors ``context`` may see."""
    live = models.Flavor.deleted == 0
    if context.is_admin:
        return live
    on_access_list = sa.exists().where(
        _PROJECTS.c.flavor_id == models.Flavor.id,
        _PROJECTS.c.project_id == context.project_id)
    return sa.and_(live, sa.or_(models.Flavor.is_public, on_access_list))


def _row(session, context, flavorid):
    row = session.scalars(sa.select(models.Flavor).where(
        models.Flavor.flavorid == flavorid, _visible(context))).first()
    if row is None:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    return row


def _check_unique(session, values):
    taken = session.execute(sa.select(FLAVORS.c.flavorid, FLAVORS.c.name)
                            .where(FLAVORS.c.deleted == 0,
                                   sa.or_(FLAVORS.c.flavorid ==
                                          values['flavorid'],
                                          FLAVORS.c.name == values['name'])
                                   )).all()
    if any(flavorid == values['flavorid'] for flavorid, _name in taken):
        raise exception.FlavorIdExists(flavor_id=values['flavorid'])
    if taken:
        raise exception.FlavorExists(name=values['name'])


def flavor_create(context, values):
    """Create a flavor from column ``values`` (``flavorid``, ``name``,
    ``memory_mb``, ...); returns its row (dict).

    :raises FlavorIdExists: a live flavor has that ``flavorid``.
    :raises FlavorExists: a live flavor has that ``name``.
    """
    try:
        with engine.writer(context) as session:
            _check_unique(session, values)
            row = models.Flavor(**values)
            session.add(row)
            session.flush()
            return engine.as_dict(row)
    except db_exception.DBDuplicateEntry as error:
        # A concurrent create won the race the check above lost.
        if 'flavorid' in (error.columns or []):
            raise exception.FlavorIdExists(flavor_id=values['flavorid'])
        raise exception.FlavorExists(name=values['name'])


def flavor_get(context, flavorid):
    """The live flavor ``flavorid`` that ``context`` may see (dict).

    :raises FlavorNotFound: there is none, or it is private and not
        shared with the caller's project.
    """
    with engine.reader(context) as session:
        return engine.as_dict(_row(session, context, flavorid))


def flavor_get_all(context, is_public=True, min_memory_mb=0, min_root_gb=0,
                   disabled=None, sort_key='flavorid', sort_dir='asc',
                   limit=None, marker=None):
    """The live flavors ``context`` may see, as Nova filters and pages
    them (a list of dicts).

    :param is_public: True: the public ones and the private ones shared
        with the caller's project; False: the private ones; None: both.
    :param min_memory_mb: only those with at least this memory (MiB).
    :param min_root_gb: only those with at least this root disk (GiB).
    :param disabled: None: any; else only those with this ``disabled``.
    :param sort_key: one of :data:`SORT_KEYS`; ``id`` breaks ties.
    :param sort_dir: ``asc`` or ``desc``.
    :param limit: at most this many (None: all).
    :param marker: only those after the flavor of this ``flavorid``.
    :raises MarkerNotFound: the marker is no flavor the caller sees.
    """
    with engine.reader(context) as session:
        query = session.query(models.Flavor).filter(
            _visible(context),
            models.Flavor.memory_mb >= min_memory_mb,
            models.Flavor.root_gb >= min_root_gb)
        if disabled is not None:
            query = query.filter(models.Flavor.disabled == disabled)
        if is_public is not None:
            shared = sa.exists().where(
                _PROJECTS.c.flavor_id == models.Flavor.id,
                _PROJECTS.c.project_id == context.project_id)
            query = query.filter(
                sa.or_(models.Flavor.is_public, shared) if is_public
                else sa.not_(models.Flavor.is_public))
        marker_row = None
        if marker is not None:
            try:
                marker_row = _row(session, context, marker)
            except exception.FlavorNotFound:
                raise exception.MarkerNotFound(marker=marker)
        query = db_utils.paginate_query(
            query, models.Flavor, limit, [sort_key, 'id'],
            marker=marker_row, sort_dirs=[sort_dir, sort_dir])
        return [engine.as_dict(row) for row in query.all()]


@engine.retry_on_deadlock
def flavor_update(context, flavorid, values):
    """Change columns (``description``) of a live flavor; returns it.

    :raises FlavorNotFound: there is no such live flavor.
    """
    with engine.writer(context) as session:
        row = _row(session, context, flavorid)
        for name, value in values.items():
            setattr(row, name, value)
        session.flush()
        return engine.as_dict(row)


@engine.retry_on_deadlock
def flavor_destroy(context, flavorid):
    """Delete a live flavor: its extra specs and access list go, its row
    stays, marked deleted, for the instances made from it.

    :raises FlavorNotFound: there is no such live flavor.
    """
    with engine.writer(context) as session:
        row = _row(session, context, flavorid)
        session.execute(sa.delete(_EXTRA_SPECS).where(
            _EXTRA_SPECS.c.flavor_id == row.id))
        session.execute(sa.delete(_PROJECTS).where(
            _PROJECTS.c.flavor_id == row.id))
        row.deleted = row.id
        row.deleted_at = timeutils.utcnow()
