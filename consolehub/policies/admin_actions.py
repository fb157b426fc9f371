"""Policy defaults for the administrators' server actions, as Nova's
``os_compute_api:os-admin-actions``: ``os-resetState`` is an
administrator's."""

from consolehub.policies import base

RESET_STATE = 'consolehub:os-admin-actions:reset_state'

rules = [
    base.project_rule(
        RESET_STATE, base.ADMIN,
        'Reset the state of a server (os-resetState): ACTIVE or ERROR, '
        'with no task.',
        [{'method': 'POST', 'path': '/v2.1/servers/{server_id}/action'}]),
]


def list_rules():
    return rules
