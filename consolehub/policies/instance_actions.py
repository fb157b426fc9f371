"""Policy defaults for the power actions and the console output: the
owning project's members, or an administrator (as Nova's
``os_compute_api:servers:start``, ``:stop``, ``:reboot`` and
``os_compute_api:os-console-output``)."""

from consolehub.policies import base

STOP = 'consolehub:servers:stop'
START = 'consolehub:servers:start'
REBOOT = 'consolehub:servers:reboot'
CONSOLE_OUTPUT = 'consolehub:os-console-output'

_ACTION_PATHS = [
    {'method': 'POST', 'path': '/v2.1/servers/{server_id}/action'},
    {'method': 'POST', 'path': '/instances/{instance_id}/action'},
]

rules = [
    base.project_rule(STOP, base.PROJECT_MEMBER_OR_ADMIN,
                      'Stop a server (os-stop).', _ACTION_PATHS),
    base.project_rule(START, base.PROJECT_MEMBER_OR_ADMIN,
                      'Start a stopped server (os-start).', _ACTION_PATHS),
    base.project_rule(REBOOT, base.PROJECT_MEMBER_OR_ADMIN,
                      'Reboot a server, soft or hard (reboot).',
                      _ACTION_PATHS),
    base.project_rule(
        CONSOLE_OUTPUT, base.PROJECT_MEMBER_OR_ADMIN,
        'Read the console output of a server (os-getConsoleOutput): what '
        'its guest wrote to its serial port.',
        _ACTION_PATHS + [{'method': 'GET',
                          'path': '/instances/{instance_id}/console-output'}]),
]


def list_rules():
    return rules
