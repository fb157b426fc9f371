"""Policy defaults for /os-services: administrators only."""

from oslo_policy import policy

INDEX = 'consolehub:os-services:index'

rules = [
    policy.DocumentedRuleDefault(
        INDEX, 'rule:admin_api',
        'List the compute agents and whether each is up or down.',
        [{'method': 'GET', 'path': '/os-services'}]),
]


def list_rules():
    return rules
