"""Policy defaults for Nova's ``os-hypervisors``: administrators only,
as Nova's."""

from consolehub.policies import base

PREFIX = 'consolehub:os-hypervisors:%s'
LIST = PREFIX % 'list'
LIST_DETAIL = PREFIX % 'list-detail'
SHOW = PREFIX % 'show'
STATISTICS = PREFIX % 'statistics'

_HYPERVISORS = '/v2.1/os-hypervisors'

rules = [
    base.project_rule(name, base.ADMIN, description,
                      [{'method': 'GET', 'path': _HYPERVISORS + path}])
    for name, description, path in [
        (LIST, 'List the hypervisors (one per compute host).', ''),
        (LIST_DETAIL, 'List the hypervisors with their usage.', '/detail'),
        (SHOW, 'Show a hypervisor with its usage.', '/{hypervisor_id}'),
        (STATISTICS, 'Show the usage summed over every hypervisor.',
         '/statistics'),
    ]
]


def list_rules():
    return rules
