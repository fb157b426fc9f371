"""Compute services: the agents that own the guests of their hosts.

Each agent records a heartbeat every ``[DEFAULT] report_interval``
seconds; it is up while its last heartbeat is younger than ``[DEFAULT]
service_down_time`` seconds.
"""

import uuid

from consolehub.db import services as db_services

#: The binary name of compute agents in the ``services`` table (Nova's
#: ``nova-compute``).
COMPUTE_BINARY = 'consolehub-compute'

#: The RPC topic compute agents serve, each as server ``host``.
COMPUTE_TOPIC = 'compute'


#: The namespace of the uuids of services and hypervisors (RFC 4122
#: name-based, version 5): a fixed random uuid of this project.
UUID_NAMESPACE = uuid.UUID('5b0c9d4e-8f3a-4c61-9a57-2e6d1f0b7c38')


def service_uuid(row):
    """The uuid Nova's ``os-services`` shows from 2.53 for a service row:
    derived from its host and binary (unique together), so it stays the
    same for as long as the host keeps its name."""
    return str(uuid.uuid5(UUID_NAMESPACE, 'service/%s/%s' % (
        row['host'], row['binary'])))


def hypervisor_uuid(row):
    """The uuid of the hypervisor of a compute service row (Nova's
    compute node uuid, ``os-hypervisors`` from 2.53), from its host."""
    return str(uuid.uuid5(UUID_NAMESPACE, 'hypervisor/%s' % row['host']))


def heartbeat(context, host):
    """Record that the compute agent of ``host`` is alive now."""
    return db_services.service_heartbeat(context, host, COMPUTE_BINARY,
                                         COMPUTE_TOPIC)


def get_all_compute(context):
    """Every compute agent's row (dicts), each with ``is_up`` (bool)."""
    return db_services.service_get_all(context, COMPUTE_BINARY)
