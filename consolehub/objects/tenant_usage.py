"""Usage reports: what each project's instances held over a period, as
Nova's ``os-simple-tenant-usage`` computes it.

An instance counts from its creation (Nova counts from ``launched_at``,
which consolehub does not record) until its deletion or the end of the
period. Deleted instances count until their rows are purged (``[compute]
deleted_instance_retention_days``).
"""

import collections

from oslo_utils import timeutils

from consolehub.db import instances as db_instances
from consolehub.objects import flavor as flavor_obj
from consolehub.objects import instance as instance_obj

SECONDS_PER_HOUR = 3600.0


def hours_in_period(instance, start, stop):
    """The hours (a float) ``instance`` (a row dict) existed between
    ``start`` and ``stop`` (naive UTC datetimes): 0 outside them."""
    began = max(instance['created_at'], start)
    ended = min(instance['deleted_at'] or stop, stop)
    if ended <= began:
        return 0.0
    return (ended - began).total_seconds() / SECONDS_PER_HOUR


def _flavor_name(instance):
    flavor = flavor_obj.get(flavor_obj.flavor_id_of(instance))
    # A size no flavor has: its custom-<memory_mb>-<vcpus> id.
    return flavor.name if flavor else flavor_obj.flavor_id_of(instance)


def server_usage(instance, start, stop, now):
    """One instance's usage over the period: Nova's ``server_usages``
    item, with ``started_at``/``ended_at`` as naive UTC datetimes,
    ``hours`` a float and ``uptime`` whole seconds until ``now`` or its
    deletion."""
    ended_at = instance['deleted_at']
    return {
        'instance_id': instance['uuid'],
        'name': instance['name'],
        'tenant_id': instance['project_id'],
        'flavor': _flavor_name(instance),
        'memory_mb': instance['memory_mb'],
        'vcpus': instance['vcpus'],
        'local_gb': instance['root_gb'],
        'hours': hours_in_period(instance, start, stop),
        'started_at': instance['created_at'],
        'ended_at': ended_at,
        'state': ('terminated' if ended_at else
                  instance_obj.VM_STATES[instance['status']]),
        'uptime': int(((ended_at or now) -
                       instance['created_at']).total_seconds()),
    }


#: One page of usage: the projects' usages and the uuids of the
#: instances counted, in order (the last one is the next page's marker).
UsagePage = collections.namedtuple('UsagePage', ['usages', 'instance_uuids'])


def usage_by_project(context, start, stop, project_id=None,
                     detailed=True, limit=None, marker=None):
    """Each project's usage between ``start`` and ``stop`` (naive UTC
    datetimes, ``start`` not after ``stop``), as a :class:`UsagePage`:
    in order of the projects' first instance, Nova's ``tenant_usage``
    dicts (``tenant_id``, ``start``, ``stop``, ``total_hours``,
    ``total_vcpus_usage``, ``total_memory_mb_usage`` (MiB-hours),
    ``total_local_gb_usage`` (GiB-hours) and, if ``detailed``,
    ``server_usages``). Projects without instances in the period are
    missing.

    :param project_id: only this project's; None: every project the
        context may see.
    :param limit: count at most this many instances (None: all); a
        project's usage may then span pages, as in Nova from 2.40.
    :param marker: the uuid of the instance the page starts after.
    :raises MarkerNotFound: ``marker`` is no instance of the period.
    """
    now = timeutils.utcnow()
    usages = collections.OrderedDict()
    uuids = []
    for instance in db_instances.instance_get_active_by_window(
            context, start, stop, project_id, limit=limit, marker=marker):
        uuids.append(instance['uuid'])
        server = server_usage(instance, start, stop, now)
        summary = usages.get(server['tenant_id'])
        if summary is None:
            summary = usages[server['tenant_id']] = {
                'tenant_id': server['tenant_id'], 'start': start,
                'stop': stop, 'total_hours': 0.0,
                'total_vcpus_usage': 0.0, 'total_memory_mb_usage': 0.0,
                'total_local_gb_usage': 0.0}
            if detailed:
                summary['server_usages'] = []
        hours = server['hours']
        summary['total_hours'] += hours
        summary['total_vcpus_usage'] += server['vcpus'] * hours
        summary['total_memory_mb_usage'] += server['memory_mb'] * hours
        summary['total_local_gb_usage'] += server['local_gb'] * hours
        if detailed:
            summary['server_usages'].append(server)
    return UsagePage(list(usages.values()), uuids)
