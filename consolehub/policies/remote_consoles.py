"""Policy defaults for remote consoles."""

from consolehub.policies import base

CREATE = 'consolehub:remote-consoles:create'
RECORD = 'consolehub:remote-consoles:record'

rules = [
    base.project_rule(
        CREATE, base.PROJECT_MEMBER_OR_ADMIN,
        'Get a remote console URL for an instance.',
        [{'method': 'POST', 'path': '/servers/{server_id}/remote-consoles'},
         {'method': 'POST',
          'path': '/instances/{instance_id}/remote-consoles'},
         {'method': 'POST',
          'path': '/v2.1/servers/{server_id}/remote-consoles'},
         {'method': 'POST', 'path': '/v2.1/servers/{server_id}/action'}]),
    base.project_rule(
        RECORD, base.ADMIN,
        'Ask for a remote console whose session the console proxy '
        'records ("record": true, a consolehub extension); a recording '
        'holds everything typed.',
        [{'method': 'POST',
          'path': '/instances/{instance_id}/remote-consoles'},
         {'method': 'POST',
          'path': '/servers/{server_id}/remote-consoles'},
         {'method': 'POST',
          'path': '/v2.1/servers/{server_id}/remote-consoles'}]),
]


def list_rules():
    return rules
