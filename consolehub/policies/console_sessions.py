"""Policy defaults for console sessions (administrators only)."""

from oslo_policy import policy

INDEX = 'consolehub:console-sessions:index'
DELETE = 'consolehub:console-sessions:delete'

rules = [
    policy.DocumentedRuleDefault(
        INDEX, 'rule:admin_api',
        'List the console sessions of an instance.',
        [{'method': 'GET',
          'path': '/instances/{instance_id}/console-sessions'},
         {'method': 'GET',
          'path': '/servers/{server_id}/console-sessions'}]),
    policy.DocumentedRuleDefault(
        DELETE, 'rule:admin_api',
        'End an open console session of an instance.',
        [{'method': 'DELETE',
          'path': '/instances/{instance_id}/console-sessions/{session_id}'},
         {'method': 'DELETE',
          'path': '/servers/{server_id}/console-sessions/{session_id}'}]),
]


def list_rules():
    return rules
