"""Policy defaults for the ``lock`` and ``unlock`` server actions, as
Nova's secure-RBAC defaults for ``os_compute_api:os-lock-server``: the
server's project members lock and unlock it; unlocking a server an
administrator locked takes ``unlock:unlock_override``, an admin's.
The target is the server's project."""

from consolehub.policies import base

PREFIX = 'consolehub:os-lock-server:%s'
LOCK = PREFIX % 'lock'
UNLOCK = PREFIX % 'unlock'
UNLOCK_OVERRIDE = PREFIX % 'unlock:unlock_override'

_ACTION = [{'method': 'POST', 'path': '/v2.1/servers/{server_id}/action'}]

rules = [
    base.project_rule(LOCK, base.PROJECT_MEMBER_OR_ADMIN,
                      'Lock a server (lock): it refuses changes by '
                      'non-admins.', _ACTION),
    base.project_rule(UNLOCK, base.PROJECT_MEMBER_OR_ADMIN,
                      'Unlock a server (unlock).', _ACTION),
    base.project_rule(UNLOCK_OVERRIDE, base.ADMIN,
                      'Unlock a server that was locked by someone else '
                      '(its owner, or an administrator).', _ACTION),
]


def list_rules():
    return rules
