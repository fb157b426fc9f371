"""Policy defaults for /instances."""

from oslo_policy import policy

from consolehub.policies import base

PREFIX = 'consolehub:instances:%s'

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
]


def list_rules():
    return rules
