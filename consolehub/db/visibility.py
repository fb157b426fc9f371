"""Which instances and images a caller may see: the one rule every query
applies.

A live instance (``deleted_at`` unset) of the context's project, or of
any project for an admin context. Guessing another project's UUID finds
nothing.
"""

import sqlalchemy as sa

from consolehub.db import models
from consolehub import exception

INSTANCES = models.Instance.__table__


def instance_query(context, selectable=models.Instance, deleted=False):
    """A SELECT of the live instances ``context`` may see.

    :param selectable: the ORM class for ORM rows (to change them), or
        :data:`INSTANCES` (or columns of it) for plain rows: read-only
        paths skip the ORM, which costs more than the query itself on an
        indexed lookup.
    :param deleted: False: live ones only; True: deleted ones only (rows
        kept until purged); None: both (read-only listings).
    """
    query = sa.select(selectable)
    if deleted is not None:
        query = query.where(INSTANCES.c.deleted_at.is_not(None) if deleted
                            else INSTANCES.c.deleted_at.is_(None))
    if not context.is_admin:
        query = query.where(INSTANCES.c.project_id == context.project_id)
    return query


def instance_row(session, context, instance_uuid, for_update=False):
    """The ORM row of a visible instance, in ``session``.

    :param for_update: lock the row for the transaction (``SELECT ...
        FOR UPDATE``), so that changes of what hangs off it run one
        after the other.
    :raises InstanceNotFound: if ``context`` may not see it or it is gone.
    """
    query = instance_query(context).where(INSTANCES.c.uuid == instance_uuid)
    if for_update:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None:
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    return row


IMAGES = models.Image.__table__

#: Image visibilities anyone may see (Glance's "public" and "community").
OPEN_VISIBILITIES = ('public', 'community')


def image_query(context, selectable=models.Image):
    """A SELECT of the live images ``context`` may see.

    As Glance (without image members): an admin sees every image;
    anybody else the public and community images and their own project's.

    :param selectable: as for :func:`instance_query`.
    """
    query = sa.select(selectable).where(IMAGES.c.deleted_at.is_(None))
    if not context.is_admin:
        query = query.where(sa.or_(
            IMAGES.c.visibility.in_(OPEN_VISIBILITIES),
            IMAGES.c.owner == context.project_id))
    return query


def image_row(session, context, image_uuid):
    """The ORM row of a visible live image, in ``session``.

    :raises ImageNotFound: if ``context`` may not see it or it is gone.
    """
    row = session.scalars(image_query(context).where(
        IMAGES.c.uuid == image_uuid)).first()
    if row is None:
        raise exception.ImageNotFound(image_id=image_uuid)
    return row
