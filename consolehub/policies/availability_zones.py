"""Policy defaults for Nova's ``os-availability-zone``: as Nova's,
anybody lists the zones, administrators see their hosts."""

from consolehub.policies import base

PREFIX = 'consolehub:os-availability-zone:%s'
LIST = PREFIX % 'list'
DETAIL = PREFIX % 'detail'

_ZONES = '/v2.1/os-availability-zone'

rules = [
    base.project_rule(LIST, '@', 'List the availability zones.',
                      [{'method': 'GET', 'path': _ZONES}]),
    base.project_rule(DETAIL, base.ADMIN,
                      'List the availability zones with their hosts and '
                      'services.',
                      [{'method': 'GET', 'path': _ZONES + '/detail'}]),
]


def list_rules():
    return rules
