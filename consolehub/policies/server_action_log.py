"""Policy defaults for Nova's ``os-instance-actions``, a server's action
log: its project's readers list and show the actions, administrators
also see each action's events with their tracebacks (as Nova's
``os_compute_api:os-instance-actions:list``, ``:show`` and ``:events``).
"""

from consolehub.policies import base

PREFIX = 'consolehub:os-instance-actions:%s'
LIST = PREFIX % 'list'
SHOW = PREFIX % 'show'
EVENTS = PREFIX % 'events'

_ACTIONS = '/v2.1/servers/{server_id}/os-instance-actions'
_ACTION = _ACTIONS + '/{request_id}'

rules = [
    base.project_rule(name, check, description, operations)
    for name, check, description, operations in [
        (LIST, base.PROJECT_READER_OR_ADMIN,
         "List a server's actions.", [{'method': 'GET', 'path': _ACTIONS}]),
        (SHOW, base.PROJECT_READER_OR_ADMIN,
         "Show one of a server's actions.",
         [{'method': 'GET', 'path': _ACTION}]),
        (EVENTS, base.ADMIN,
         "See an action's events with their tracebacks (from 2.51 other "
         'readers see the events without tracebacks).',
         [{'method': 'GET', 'path': _ACTION}]),
    ]
]


def list_rules():
    return rules
