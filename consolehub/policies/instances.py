"""Policy defaults for /instances."""

from consolehub.policies import base

PREFIX = 'consolehub:instances:%s'
CREATE_HOST = PREFIX % 'create:host'

rules = [
    base.project_rule(PREFIX % name, check, description, operations)
    for name, check, description, operations in [
        ('index', base.PROJECT_READER_OR_ADMIN, 'List instances.',
         [{'method': 'GET', 'path': '/instances'}]),
        ('create', base.PROJECT_MEMBER_OR_ADMIN, 'Create an instance.',
         [{'method': 'POST', 'path': '/instances'}]),
        ('show', base.PROJECT_READER_OR_ADMIN, 'Show an instance.',
         [{'method': 'GET', 'path': '/instances/{instance_id}'}]),
        ('update', base.PROJECT_MEMBER_OR_ADMIN, 'Rename an instance.',
         [{'method': 'PUT', 'path': '/instances/{instance_id}'}]),
        ('delete', base.PROJECT_MEMBER_OR_ADMIN, 'Delete an instance.',
         [{'method': 'DELETE', 'path': '/instances/{instance_id}'}]),
        ('create:host', base.ADMIN,
         'Name the compute host of a new instance ("host" in the body).',
         [{'method': 'POST', 'path': '/instances'}]),
    ]
]


def list_rules():
    return rules
