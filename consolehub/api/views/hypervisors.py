"""Hypervisors as Nova's ``os-hypervisors`` shows them, with integer
ids before 2.53 and uuids from it, before 2.88 (the capacity fields go):
Nova API reference, "Hypervisors".

What is used comes from the live instances on the host: their vCPUs,
memory (MiB) and root disks (GiB). The capacity of a host is not known
to the API (the agents do not report it, and the API cannot read
another host's CPUs or memory), so ``vcpus``, ``memory_mb`` and
``local_gb`` are 0, and the free amounts are total minus used, as Nova
computes them: negative, as Nova shows an over-committed host.
``hypervisor_version`` is 0 and ``host_ip`` null for the same reason.
"""

from consolehub.api import microversion
from consolehub.api.views import services as service_views
from consolehub.objects import service as service_obj

#: Every host's hypervisor: QEMU, driven through libvirt.
HYPERVISOR_TYPE = 'QEMU'

#: The usage of a host without instances.
NO_USAGE = {'count': 0, 'vcpus': 0, 'memory_mb': 0, 'root_gb': 0,
            'busy': 0}

#: The capacity the API does not know: (vCPUs, MiB, GiB).
UNKNOWN_CAPACITY = {'vcpus': 0, 'memory_mb': 0, 'local_gb': 0}

#: The keys ``/statistics`` sums over the hypervisors.
STATISTICS_KEYS = ('current_workload', 'disk_available_least',
                   'free_disk_gb', 'free_ram_mb', 'local_gb',
                   'local_gb_used', 'memory_mb', 'memory_mb_used',
                   'running_vms', 'vcpus', 'vcpus_used')


def hypervisor_id(req, service):
    """The id of a compute service's hypervisor at ``req``'s version:
    the service's integer id, or from 2.53 the hypervisor's uuid."""
    if microversion.is_at_least(req, '2.53'):
        return service_obj.hypervisor_uuid(service)
    return service['id']


def basic(req, service, servers=None):
    """``{"id", "hypervisor_hostname", "state", "status"}`` of a compute
    service row (with ``is_up``), and ``servers`` (``[{name, uuid}]``)
    when ``servers`` (instance dicts) are given and not empty, as Nova
    before 2.75."""
    shown = service_views.service(service)
    body = {'id': hypervisor_id(req, service),
            'hypervisor_hostname': service['host'],
            'state': shown['state'], 'status': shown['status']}
    if servers:
        body['servers'] = [{'name': server['name'], 'uuid': server['uuid']}
                           for server in servers]
    return body


def _capacity(usage):
    """The capacity and usage keys of a host's hypervisor, from its
    instances' ``usage`` (as ``objects.instance.usage_by_host``)."""
    capacity = UNKNOWN_CAPACITY
    return {
        'vcpus': capacity['vcpus'],
        'vcpus_used': usage['vcpus'],
        'memory_mb': capacity['memory_mb'],
        'memory_mb_used': usage['memory_mb'],
        'free_ram_mb': capacity['memory_mb'] - usage['memory_mb'],
        'local_gb': capacity['local_gb'],
        'local_gb_used': usage['root_gb'],
        'free_disk_gb': capacity['local_gb'] - usage['root_gb'],
        'disk_available_least': 0,
        'running_vms': usage['count'],
        # As Nova: the instances with a task in progress.
        'current_workload': usage['busy'],
    }


def detail(req, service, usage, servers=None):
    """A hypervisor in detail: :func:`basic`, the capacity and usage,
    and its service (whose id is its uuid from 2.53); ``cpu_info`` is an
    (empty) object from 2.28, its JSON text before, as Nova."""
    body = basic(req, service, servers)
    body.update(_capacity(usage))
    body.update({
        'hypervisor_type': HYPERVISOR_TYPE,
        'hypervisor_version': 0,
        'host_ip': None,
        'cpu_info': {} if microversion.is_at_least(req, '2.28') else '{}',
        'service': {'host': service['host'],
                    'id': (service_obj.service_uuid(service)
                           if microversion.is_at_least(req, '2.53')
                           else service['id']),
                    'disabled_reason': None},
    })
    return body


def statistics(found):
    """``{"hypervisor_statistics": {...}}``: the count of hypervisors and
    the sums of :data:`STATISTICS_KEYS` over ``found``, a list of
    ``(service row, usage)``."""
    totals = dict.fromkeys(STATISTICS_KEYS, 0)
    for _service, usage in found:
        for key, value in _capacity(usage).items():
            totals[key] += value
    totals['count'] = len(found)
    return {'hypervisor_statistics': totals}
