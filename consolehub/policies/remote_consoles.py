"""Policy defaults for remote consoles."""

from oslo_policy import policy

from consolehub.policies import base

CREATE = 'consolehub:remote-consoles:create'

rules = [
    policy.DocumentedRuleDefault(
        CREATE, base.PROJECT_MEMBER_OR_ADMIN,
        'Get a remote console URL for an instance.',
        [{'method': 'POST', 'path': '/servers/{server_id}/remote-consoles'},
         {'method': 'POST',
          'path': '/instances/{instance_id}/remote-consoles'}]),
]


def list_rules():
    return rules
