"""Policy defaults for /instances."""

from oslo_policy import policy

from consolehub.policies import base

PREFIX = 'consolehub:instances:%s'
CREATE_HOST = PREFIX % 'create:host'

rules = [
    policy.DocumentedRuleDefault(
        PREFIX % name, base.PROJECT_MEMBER_OR_ADMIN, description, operations)
    for name, description, operations in [
        ('index', 'List instances.', [{'method': 'GET',
                                       'path': '/instances'}]),
        ('create', 'Create an instance.', [{'method': 'POST',
                                            'path': '/instances'}]),
        ('show', 'Show an instance.',
         [{'method': 'GET', 'path': '/instances/{instance_id}'}]),
        ('update', 'Rename an instance.',
         [{'method': 'PUT', 'path': '/instances/{instance_id}'}]),
        ('delete', 'Delete an instance.',
         [{'method': 'DELETE', 'path': '/instances/{instance_id}'}]),
    ]
] + [
    policy.DocumentedRuleDefault(
        CREATE_HOST, 'rule:admin_api',
        'Name the compute host of a new instance ("host" in the body).',
        [{'method': 'POST', 'path': '/instances'}]),
]


def list_rules():
    return rules
