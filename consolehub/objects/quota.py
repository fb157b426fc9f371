"""Per-project quotas: resources, limits, usage, and creating within them.

A quota resource has a name (its key in Nova's ``os-quota-sets`` and the
``[quota]`` option holding its default) and a counter telling what a
project uses now. Limits are the ``[quota]`` defaults, overridden per
project by an administrator (``PUT /v2.1/os-quota-sets/{project_id}``);
-1 is unlimited. Usage is counted from the rows themselves when it is
needed (as Nova counts since Pike), so it never drifts.

:func:`consume` is the one way to create something under a quota: it
checks and creates in one transaction holding the project's usage lock
(:func:`consolehub.db.quotas.run_with_usage_locked`), so two concurrent
creates cannot both take a project's last unit.

A per-user resource (Nova's ``key_pairs``) has a limit per project like
the others, but its usage is that of one user: its counter takes a
``user_id``, :func:`consume` and :func:`check` are given the user, and a
project's usage (``os-quota-sets`` detail) shows 0 for it, as Nova does.

Another resource joins with one call, its option added to
``consolehub/conf/quota.py``, and its create path calls
``quota.consume(context, project_id, {name: amount}, create)``. The
image resources are registered so: ``image_count_total`` (images a
project owns, Glance's unified limit of that name) and
``image_size_total`` (MiB of image data; counted in bytes, see
``unit`` of :func:`register`), both refused with Glance's 413.
"""

import collections

from consolehub.conf import CONF
from consolehub.db import images as db_images
from consolehub.db import instances as db_instances
from consolehub.db import key_pairs as db_key_pairs
from consolehub.db import quotas as db_quotas
from consolehub import exception

UNLIMITED = -1

#: Largest limit a project may get (a signed 32-bit column, as Nova's).
MAX_LIMIT = 2 ** 31 - 1

#: Bytes in a MiB: ``image_size_total`` limits are MiB, usage bytes.
MiB = 1024 * 1024

#: ``name`` -> counter ``(context, project_id) -> {name: used, ...}``;
#: resources sharing a counter are counted by one call. ``unit``: how
#: many counted units one unit of the limit is; ``over_limit``: the
#: error to raise when the resource is exceeded, or None for Nova's
#: :class:`~consolehub.exception.OverQuota`; ``per_user``: counted per
#: user (``count(context, user_id)``) under the project's limit.
Resource = collections.namedtuple(
    'Resource', ['name', 'count', 'unit', 'over_limit', 'per_user'])

_RESOURCES = collections.OrderedDict()


def register(name, count, unit=1, over_limit=None, per_user=False):
    """Make ``name`` a quota resource counted by ``count``.

    :param name: the resource's name; ``[quota] <name>`` must be an
        option holding its default limit.
    :param count: ``count(context, project_id)`` returns ``{name: used}``
        (and may count other resources sharing it in the same dict). In
        :func:`consume` it runs inside the locked transaction, so its
        queries must use ``engine.reader(context)``.
    :param unit: counted units in one unit of the limit (e.g. :data:`MiB`
        for a limit in MiB of a usage counted in bytes); deltas given to
        :func:`consume` are in counted units, usage is shown in the
        limit's unit (rounded down).
    :param over_limit: an exception class taking ``project_id``,
        ``resource``, ``limit``, ``usage`` and ``delta`` (the last two in
        the limit's unit, rounded up so that they add up to more than
        the limit as the counted units do), raised instead of
        :class:`~consolehub.exception.OverQuota`.
    :param per_user: ``count(context, user_id)`` counts what one user
        has; the limit is still the project's.
    """
    _RESOURCES[name] = Resource(name, count, unit, over_limit, per_user)


def unregister(name):
    """Forget resource ``name`` (for tests that register their own)."""
    _RESOURCES.pop(name, None)


def resources():
    """Names of every quota resource, in registration order."""
    return list(_RESOURCES)


def _count_instances(context, project_id):
    used = db_instances.instance_usage_by_project(context, project_id)
    return {'instances': used['count'], 'cores': used['vcpus'],
            'ram': used['memory_mb']}


register('instances', _count_instances)
register('cores', _count_instances)
register('ram', _count_instances)


def _count_images(context, project_id):
    used = db_images.image_usage_by_owner(context, project_id)
    return {'image_count_total': used['count'],
            'image_size_total': used['size']}


register('image_count_total', _count_images,
         over_limit=exception.ImageQuotaExceeded)
register('image_size_total', _count_images, unit=MiB,
         over_limit=exception.ImageQuotaExceeded)


def _count_key_pairs(context, user_id):
    return {'key_pairs': db_key_pairs.key_pair_count_by_user(
        context, user_id)}


register('key_pairs', _count_key_pairs, per_user=True)


def defaults():
    """``{resource: limit}`` from the ``[quota]`` options."""
    return {name: getattr(CONF.quota, name) for name in _RESOURCES}


def get_limits(context, project_id):
    """``{resource: limit}`` of ``project_id``: what an administrator set,
    else the default."""
    limits = defaults()
    for name, limit in db_quotas.quota_get_all_by_project(
            context, project_id).items():
        if name in limits:
            limits[name] = limit
    return limits


def _counted(context, project_id, names, user_id=None):
    """``{resource: used}`` in counted units, each counter called once.
    A per-user resource is counted for ``user_id``, and is 0 without
    one."""
    used = {}
    for name in names:
        if name in used:
            continue
        resource = _RESOURCES[name]
        if not resource.per_user:
            used.update(resource.count(context, project_id))
        elif user_id is None:
            used[name] = 0
        else:
            used.update(resource.count(context, user_id))
    return {name: used[name] for name in names}


def get_usage(context, project_id, names=None, user_id=None):
    """``{resource: used}`` of ``project_id`` (of ``user_id`` for a
    per-user resource) for ``names`` (default: every resource), in each
    limit's unit (rounded down), each counter called once."""
    names = resources() if names is None else list(names)
    used = _counted(context, project_id, names, user_id=user_id)
    return {name: used[name] // _RESOURCES[name].unit for name in names}


def _exceeds(name, limit, counted):
    """Whether ``counted`` (counted units) passes ``limit`` of ``name``."""
    return (limit != UNLIMITED and
            counted > limit * _RESOURCES[name].unit)


def _round_up(name, counted):
    unit = _RESOURCES[name].unit
    return -(-counted // unit)


def set_limits(context, project_id, limits, force=False):
    """Set ``{resource: limit}`` for ``project_id``.

    Checks every value first and changes nothing if one is refused.

    :param force: also accept a limit below what is used now (Nova's
        ``force``).
    :raises QuotaResourceUnknown: a resource we do not have.
    :raises QuotaLimitInvalid: below -1 or over :data:`MAX_LIMIT`.
    :raises QuotaLimitBelowUsage: below the usage, without ``force``.
    """
    for name, limit in limits.items():
        if name not in _RESOURCES:
            raise exception.QuotaResourceUnknown(resource=name)
        if limit < UNLIMITED:
            raise exception.QuotaLimitInvalid(
                limit=limit, resource=name, reason='must be -1 or greater')
        if limit > MAX_LIMIT:
            raise exception.QuotaLimitInvalid(
                limit=limit, resource=name,
                reason='must be less than or equal to %d' % MAX_LIMIT)
    if not force and limits:
        used = _counted(context, project_id, limits)
        for name, limit in limits.items():
            if _exceeds(name, limit, used[name]):
                raise exception.QuotaLimitBelowUsage(
                    limit=limit, resource=name,
                    minimum=_round_up(name, used[name]))
    db_quotas.quota_set(context, project_id, limits)


def reset(context, project_id):
    """Drop the limits set for ``project_id``: the defaults apply."""
    db_quotas.quota_destroy_all_by_project(context, project_id)


def check(context, project_id, deltas, user_id=None):
    """Raise :class:`~consolehub.exception.OverQuota` (or the resource's
    ``over_limit`` error) if adding ``deltas`` (``{resource: amount}``, in
    counted units) to the usage of ``project_id`` (of ``user_id`` for a
    per-user resource) passes a limit. Atomic only inside
    :func:`consume`."""
    limits = get_limits(context, project_id)
    checked = [name for name, amount in deltas.items()
               if amount > 0 and limits[name] != UNLIMITED]
    if not checked:
        return
    used = _counted(context, project_id, checked, user_id=user_id)
    overs = sorted(name for name in checked
                   if _exceeds(name, limits[name],
                               used[name] + deltas[name]))
    for name in overs:
        resource = _RESOURCES[name]
        if resource.over_limit is not None:
            raise resource.over_limit(
                project_id=project_id, resource=name, limit=limits[name],
                usage=_round_up(name, used[name]),
                delta=_round_up(name, deltas[name]))
    if overs:
        def joined(values):
            return ', '.join(str(values[name]) for name in overs)
        raise exception.OverQuota(overs=', '.join(overs), req=joined(deltas),
                                  used=joined(used), allowed=joined(limits))


def consume(context, project_id, deltas, create, user_id=None):
    """Check ``deltas`` against the quotas of ``project_id`` and call
    ``create()``, in one transaction holding the project's usage lock.

    Must not be called inside another transaction of ``context``.

    :param deltas: ``{resource: amount}`` the creation adds.
    :param user_id: whose usage a per-user resource counts.
    :param create: makes the rows (its queries join the transaction);
        on a database deadlock it is called again.
    :returns: what ``create`` returns.
    :raises OverQuota: nothing is created.
    """
    def work():
        check(context, project_id, deltas, user_id=user_id)
        return create()
    return db_quotas.run_with_usage_locked(context, project_id, work)


def headroom(context, project_id, name):
    """How much (counted units) ``project_id`` may still add to ``name``
    now, or None when it is unlimited.

    Nothing is reserved: a creation must still go through
    :func:`consume`, which checks again under the project's lock.
    """
    limit = get_limits(context, project_id)[name]
    if limit == UNLIMITED:
        return None
    used = _counted(context, project_id, [name])[name]
    return max(limit * _RESOURCES[name].unit - used, 0)
