"""Queries of ``key_pairs``: the key pairs of one user.

Key pairs are scoped by ``user_id``, not project, as in Nova; callers
pass the user whose key pairs they may touch (their own, or the one an
administrator named). Rows leave as dicts.
"""

from oslo_db import exception as db_exception
import sqlalchemy as sa

from consolehub.db import engine
from consolehub.db import models
from consolehub import exception

_KEY_PAIRS = models.KeyPair.__table__


def key_pair_create(context, values):
    """Create a key pair row from column ``values``; returns it (dict).

    :raises KeyPairExists: the user has a key pair of that name.
    """
    try:
        with engine.writer(context) as session:
            row = models.KeyPair(**values)
            session.add(row)
            session.flush()
            return engine.as_dict(row)
    except db_exception.DBDuplicateEntry:
        raise exception.KeyPairExists(key_name=values['name'])


def key_pair_get(context, user_id, name):
    """The key pair ``name`` of ``user_id`` (dict).

    :raises KeypairNotFound: the user has none of that name.
    """
    with engine.reader(context) as session:
        row = session.scalars(sa.select(models.KeyPair).filter_by(
            user_id=user_id, name=name)).first()
        if row is None:
            raise exception.KeypairNotFound(name=name, user_id=user_id)
        return engine.as_dict(row)


def key_pair_get_all_by_user(context, user_id, limit=None, marker=None):
    """The key pairs of ``user_id`` ordered by name (a list of dicts).

    :param limit: at most this many (None: all).
    :param marker: only names after this key pair's name.
    :raises MarkerNotFound: the user has no key pair named ``marker``.
    """
    with engine.reader(context) as session:
        query = sa.select(models.KeyPair).filter_by(user_id=user_id)
        if marker is not None:
            found = session.execute(sa.select(_KEY_PAIRS.c.id).where(
                _KEY_PAIRS.c.user_id == user_id,
                _KEY_PAIRS.c.name == marker)).first()
            if found is None:
                raise exception.MarkerNotFound(marker=marker)
            query = query.where(models.KeyPair.name > marker)
        query = query.order_by(models.KeyPair.name, models.KeyPair.id)
        if limit is not None:
            query = query.limit(limit)
        return [engine.as_dict(row) for row in session.scalars(query)]


def key_pair_count_by_user(context, user_id):
    """How many key pairs ``user_id`` has (int)."""
    with engine.reader(context) as session:
        return session.execute(
            sa.select(sa.func.count()).select_from(_KEY_PAIRS).where(
                _KEY_PAIRS.c.user_id == user_id)).scalar_one()


def key_pair_destroy(context, user_id, name):
    """Delete the key pair ``name`` of ``user_id``.

    :raises KeypairNotFound: the user has none of that name.
    """
    with engine.writer(context) as session:
        deleted = session.execute(sa.delete(_KEY_PAIRS).where(
            _KEY_PAIRS.c.user_id == user_id,
            _KEY_PAIRS.c.name == name)).rowcount
    if not deleted:
        raise exception.KeypairNotFound(name=name, user_id=user_id)
