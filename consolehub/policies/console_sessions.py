"""Policy defaults for console sessions (administrators only)."""

from consolehub.policies import base

INDEX = 'consolehub:console-sessions:index'
DELETE = 'consolehub:console-sessions:delete'
RECORDING = 'consolehub:console-sessions:recording'

rules = [
    base.project_rule(
        INDEX, base.ADMIN,
        'List the console sessions of an instance.',
        [{'method': 'GET',
          'path': '/instances/{instance_id}/console-sessions'},
         {'method': 'GET',
          'path': '/servers/{server_id}/console-sessions'}]),
    base.project_rule(
        DELETE, base.ADMIN,
        'End an open console session of an instance.',
        [{'method': 'DELETE',
          'path': '/instances/{instance_id}/console-sessions/{session_id}'},
         {'method': 'DELETE',
          'path': '/servers/{server_id}/console-sessions/{session_id}'}]),
    base.project_rule(
        RECORDING, base.ADMIN,
        'Download the recording of a console session (it holds '
        'everything typed in it).',
        [{'method': 'GET',
          'path': '/instances/{instance_id}/console-sessions/{session_id}'
                  '/recording'},
         {'method': 'GET',
          'path': '/servers/{server_id}/console-sessions/{session_id}'
                  '/recording'}]),
]


def list_rules():
    return rules
