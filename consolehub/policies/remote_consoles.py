"""Policy defaults for remote consoles.

A full console types into the guest, so it needs the project's member
role; a view-only console only shows the guest's screen or serial
output, which the project's reader may see. Recording a session is for
administrators: a recording holds everything typed.
"""

from consolehub.policies import base

CREATE = 'consolehub:remote-consoles:create'
CREATE_VIEW_ONLY = 'consolehub:remote-consoles:create:view-only'
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
        CREATE_VIEW_ONLY, base.PROJECT_READER_OR_ADMIN,
        'Get a view-only remote console URL for an instance '
        '("view_only": true): its sessions see the guest and the proxy '
        'relays none of their input.',
        [{'method': 'POST',
          'path': '/instances/{instance_id}/remote-consoles'},
         {'method': 'POST', 'path': '/servers/{server_id}/remote-consoles'},
         {'method': 'POST',
          'path': '/v2.1/servers/{server_id}/remote-consoles'}]),
    base.project_rule(
        RECORD, base.ADMIN,
        'Ask for a remote console whose session the console proxy '
        'records ("record": true, a consolehub extension); a recording '
        'holds everything typed. Needed besides the rule of the kind of '
        'console asked for.',
        [{'method': 'POST',
          'path': '/instances/{instance_id}/remote-consoles'},
         {'method': 'POST', 'path': '/servers/{server_id}/remote-consoles'},
         {'method': 'POST',
          'path': '/v2.1/servers/{server_id}/remote-consoles'}]),
]


def list_rules():
    return rules
