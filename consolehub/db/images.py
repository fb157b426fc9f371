"""Queries of ``images``.

Every query sees only the images the context may see
(:func:`consolehub.db.visibility.image_query`). Rows leave as dicts whose
``properties`` (custom properties, ``{str: str}``) and ``tags`` (a list
of str) are decoded from their JSON columns. A deleted image keeps its
row with ``deleted_at`` set, so that its id is never given out again.
"""

from oslo_db import exception as db_exception
from oslo_db.sqlalchemy import utils as db_utils
from oslo_serialization import jsonutils
from oslo_utils import timeutils
import sqlalchemy as sa

from consolehub.db import engine
from consolehub.db import models
from consolehub.db import visibility
from consolehub import exception

_IMAGES = visibility.IMAGES

#: Columns a list may be filtered on by equality.
EQUALITY_FILTERS = ('name', 'status', 'owner', 'disk_format',
                    'container_format', 'protected', 'os_hidden')

#: Columns a list may be sorted by (Glance's sort keys).
SORT_KEYS = ('name', 'status', 'container_format', 'disk_format', 'size',
             'id', 'created_at', 'updated_at')


def _decode(row):
    """A row mapping as a dict with its JSON columns decoded."""
    image = dict(row)
    image['properties'] = jsonutils.loads(image['properties'])
    image['tags'] = jsonutils.loads(image['tags'])
    return image


def _encode(values):
    encoded = dict(values)
    for key in ('properties', 'tags'):
        if key in encoded:
            encoded[key] = jsonutils.dumps(encoded[key], sort_keys=True)
    return encoded


def _as_image(row):
    return _decode(engine.as_dict(row))


def image_create(context, values):
    """Create an image row.

    :param values: column values, ``uuid`` included; ``properties`` a
        dict and ``tags`` a list.
    :returns: the new row (dict).
    :raises ImageExists: an image, live or deleted, has that uuid.
    """
    try:
        with engine.writer(context) as session:
            row = models.Image(**_encode(values))
            session.add(row)
            session.flush()
            return _as_image(row)
    except db_exception.DBDuplicateEntry:
        raise exception.ImageExists(image_id=values['uuid'])


def image_get(context, image_uuid):
    """The visible live image with this uuid; raises ImageNotFound."""
    with engine.reader(context) as session:
        return _as_image(visibility.image_row(session, context, image_uuid))


def _visibility_condition(context, wanted):
    """The WHERE clause of a list's ``visibility`` filter, as Glance reads
    it: ``None`` lists the public images and the caller's own (every image
    for an admin); ``all`` every visible image; otherwise images of that
    visibility (the caller's own only, for private and shared)."""
    mine = _IMAGES.c.owner == context.project_id
    if wanted is None:
        return (sa.true() if context.is_admin else
                sa.or_(_IMAGES.c.visibility == 'public', mine))
    if wanted == 'all':
        return sa.true()
    condition = _IMAGES.c.visibility == wanted
    if wanted in ('private', 'shared') and not context.is_admin:
        condition = sa.and_(condition, mine)
    return condition


def image_get_all(context, filters, limit, marker=None, sort_keys=None,
                  sort_dirs=None):
    """Up to ``limit`` visible images, sorted, after ``marker``.

    :param filters: ``{column: value}`` for :data:`EQUALITY_FILTERS`,
        plus ``visibility`` (see :func:`_visibility_condition`).
    :param marker: the uuid of the last image of the previous page.
    :param sort_keys: columns of :data:`SORT_KEYS`, most significant
        first; default ``['created_at']``. The row id breaks ties.
    :param sort_dirs: ``asc`` or ``desc`` for each key; default ``desc``.
    :raises MarkerNotFound: ``marker`` is not a visible image.
    """
    sort_keys = list(sort_keys or ['created_at'])
    sort_dirs = list(sort_dirs or ['desc'] * len(sort_keys))
    # Glance's "id" is our uuid; the row id, unique and following
    # creation, breaks ties so that paging is stable.
    sort_keys = ['uuid' if key == 'id' else key for key in sort_keys]
    sort_keys.append('id')
    sort_dirs.append(sort_dirs[-1])
    with engine.reader(context) as session:
        query = visibility.image_query(context).where(
            _visibility_condition(context, filters.get('visibility')))
        for key in EQUALITY_FILTERS:
            if key in filters:
                query = query.where(_IMAGES.c[key] == filters[key])
        marker_row = None
        if marker is not None:
            try:
                marker_row = visibility.image_row(session, context, marker)
            except exception.ImageNotFound:
                raise exception.MarkerNotFound(marker=marker)
        query = db_utils.paginate_query(query, models.Image, limit,
                                        sort_keys, marker=marker_row,
                                        sort_dirs=sort_dirs)
        return [_as_image(row) for row in session.scalars(query).all()]


def image_update(context, image_uuid, values, expected_status=None):
    """Change a visible live image's columns; returns the new row.

    :param values: column values; ``properties`` a dict, ``tags`` a list.
    :param expected_status: if given, the status (or tuple of statuses)
        the image must be in, checked in the same transaction, so that
        two uploads cannot both move an image from ``queued``.
    :raises ImageNotFound: the image is not visible or is gone.
    :raises ImageStatusConflict: it is not in ``expected_status``.
    """
    with engine.writer(context) as session:
        row = visibility.image_row(session, context, image_uuid)
        if expected_status is not None:
            allowed = ((expected_status,) if isinstance(expected_status, str)
                       else tuple(expected_status))
            if row.status not in allowed:
                raise exception.ImageStatusConflict(
                    status=row.status,
                    new_status=values.get('status', row.status))
        for key, value in _encode(values).items():
            setattr(row, key, value)
        session.flush()
        return _as_image(row)


def image_destroy(context, image_uuid, status):
    """Mark a visible live image deleted; returns its row (dict).

    :param status: the status the row keeps (``deleted``).
    """
    with engine.writer(context) as session:
        row = visibility.image_row(session, context, image_uuid)
        row.status = status
        row.deleted_at = timeutils.utcnow()
        session.flush()
        return _as_image(row)


def image_usage_by_owner(context, owner):
    """What the live images of project ``owner`` hold together, as
    Glance counts its quota usage: ``{'count': N, 'size': bytes,
    'uploading': N}`` -- every live image, the bytes of those with data
    (``size`` is set once an upload completes) and those ``saving``.

    Not scoped by visibility: a project's usage counts all its images.
    Inside :func:`consolehub.db.quotas.run_with_usage_locked` this reads
    in its transaction, after the project's usage lock is held.
    """
    with engine.reader(context) as session:
        count, size, uploading = session.execute(
            sa.select(sa.func.count(),
                      sa.func.coalesce(sa.func.sum(_IMAGES.c.size), 0),
                      sa.func.coalesce(sa.func.sum(sa.case(
                          (_IMAGES.c.status == 'saving', 1), else_=0)), 0))
            .where(_IMAGES.c.owner == owner,
                   _IMAGES.c.deleted_at.is_(None))).one()
    return {'count': int(count), 'size': int(size),
            'uploading': int(uploading)}
