"""Queries of ``flavor_extra_specs``: a flavor's key/value pairs.

Callers pass the row (dict) of a live flavor they read through
:mod:`consolehub.db.flavors`. consolehub stores and shows extra specs as
Nova does; its scheduler and driver read none of them.
"""

from oslo_db import exception as db_exception
import sqlalchemy as sa

from consolehub.db import engine
from consolehub.db import models
from consolehub import exception

_SPECS = models.FlavorExtraSpec.__table__


def get_many(context, flavors):
    """``{flavor id: {key: value}}`` for each flavor row of ``flavors``
    (every one present, ``{}`` when it has none)."""
    found = {flavor['id']: {} for flavor in flavors}
    if not found:
        return found
    with engine.reader(context) as session:
        rows = session.execute(
            sa.select(_SPECS.c.flavor_id, _SPECS.c.key, _SPECS.c.value)
            .where(_SPECS.c.flavor_id.in_(list(found)))
            .order_by(_SPECS.c.key)).all()
    for flavor_id, key, value in rows:
        found[flavor_id][key] = value
    return found


@engine.retry_on_deadlock
def update(context, flavor, specs):
    """Set each ``{key: value}`` of ``specs`` (text) on ``flavor``,
    adding the new keys; the others stay.

    :raises FlavorExtraSpecConflict: 409, another request added one of
        the keys meanwhile (or, where the database compares keys without
        case, a key differing only in case exists).
    """
    try:
        _update(context, flavor, specs)
    except db_exception.DBDuplicateEntry:
        raise exception.FlavorExtraSpecConflict(
            flavor_id=flavor['flavorid'])


def _update(context, flavor, specs):
    with engine.writer(context) as session:
        rows = {row.key: row for row in session.scalars(
            sa.select(models.FlavorExtraSpec).where(
                models.FlavorExtraSpec.flavor_id == flavor['id'],
                models.FlavorExtraSpec.key.in_(list(specs))))}
        for key, value in specs.items():
            if key in rows:
                rows[key].value = value
            else:
                session.add(models.FlavorExtraSpec(
                    flavor_id=flavor['id'], key=key, value=value))
        session.flush()


def delete(context, flavor, key):
    """Remove the extra spec ``key`` of ``flavor``.

    :raises FlavorExtraSpecsNotFound: it has no such key.
    """
    with engine.writer(context) as session:
        deleted = session.execute(sa.delete(_SPECS).where(
            _SPECS.c.flavor_id == flavor['id'],
            _SPECS.c.key == key)).rowcount
    if not deleted:
        raise exception.FlavorExtraSpecsNotFound(
            flavor_id=flavor['flavorid'], extra_specs_key=key)
