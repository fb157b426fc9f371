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

Another resource (e.g. the bytes of a project's images) joins with one
call, its option added to ``consolehub/conf/quota.py``::

    def _count_image_bytes(context, project_id):
        return {'image_size_total': db_images.size_total(context,
                                                         project_id)}

    quota.register('image_size_total', _count_image_bytes)

and its create path calls ``quota.consume(context, project_id,
{'image_size_total': size}, create)``.
"""

import collections

from consolehub.conf import CONF
from consolehub.db import instances as db_instances
from consolehub.db import key_pairs as db_key_pairs
from consolehub.db import quotas as db_quotas
from consolehub import exception

UNLIMITED = -1

#: Largest limit a project may get (a signed 32-bit column, as Nova's).
MAX_LIMIT = 2 ** 31 - 1

#: ``name`` -> counter ``(context, project_id) -> {name: used, ...}``
#: (``(context, user_id)`` when ``per_user``); resources sharing a counter
#: are counted by one call.
Resource = collections.namedtuple('Resource', ['name', 'count', 'per_user'])

_RESOURCES = collections.OrderedDict()


def register(name, count, per_user=False):
    """Make ``name`` a quota resource counted by ``count``.

    :param name: the resource's name; ``[quota] <name>`` must be an
        option holding its default limit.
    :param count: ``count(context, project_id)`` returns ``{name: used}``
        (and may count other resources sharing it in the same dict). In
        :func:`consume` it runs inside the locked transaction, so its
        queries must use ``engine.reader(context)``.
    :param per_user: ``count(context, user_id)`` counts what one user
        has; the limit is still the project's.
    """
    _RESOURCES[name] = Resource(name, count, per_user)


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


def get_usage(context, project_id, names=None, user_id=None):
    """``{resource: used}`` of ``project_id`` for ``names`` (default:
    every resource), each counter called once. A per-user resource is
    counted for ``user_id``, and is 0 without one."""
    names = resources() if names is None else list(names)
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


def _exceeds(limit, value):
    return limit != UNLIMITED and value > limit


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
        used = get_usage(context, project_id, limits)
        for name, limit in limits.items():
            if _exceeds(limit, used[name]):
                raise exception.QuotaLimitBelowUsage(
                    limit=limit, resource=name, minimum=used[name])
    db_quotas.quota_set(context, project_id, limits)


def reset(context, project_id):
    """Drop the limits set for ``project_id``: the defaults apply."""
    db_quotas.quota_destroy_all_by_project(context, project_id)


def check(context, project_id, deltas, user_id=None):
    """Raise :class:`~consolehub.exception.OverQuota` if adding ``deltas``
    (``{resource: amount}``) to the usage of ``project_id`` (of
    ``user_id`` for a per-user resource) passes a limit. Atomic only
    inside :func:`consume`."""
    limits = get_limits(context, project_id)
    checked = [name for name, amount in deltas.items()
               if amount > 0 and limits[name] != UNLIMITED]
    if not checked:
        return
    used = get_usage(context, project_id, checked, user_id=user_id)
    overs = sorted(name for name in checked
                   if _exceeds(limits[name], used[name] + deltas[name]))
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
