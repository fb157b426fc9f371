"""Compute services: the agents that own the guests of their hosts.

Each agent records a heartbeat every ``[DEFAULT] report_interval``
seconds; it is up while its last heartbeat is younger than ``[DEFAULT]
service_down_time`` seconds.
"""

from consolehub.db import services as db_services

#: The binary name of compute agents in the ``services`` table (Nova's
#: ``nova-compute``).
COMPUTE_BINARY = 'consolehub-compute'

#: The RPC topic compute agents serve, each as server ``host``.
COMPUTE_TOPIC = 'compute'


def heartbeat(context, host):
    """Record that the compute agent of ``host`` is alive now."""
    return db_services.service_heartbeat(context, host, COMPUTE_BINARY,
                                         COMPUTE_TOPIC)


def get_all_compute(context):
    """Every compute agent's row (dicts), each with ``is_up`` (bool)."""
    return db_services.service_get_all(context, COMPUTE_BINARY)
