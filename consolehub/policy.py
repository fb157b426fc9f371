"""The policy enforcer, loaded once with our defaults."""

import threading

from oslo_policy import policy

from consolehub.conf import CONF
from consolehub import exception
from consolehub import policies

_ENFORCER = None
_LOCK = threading.Lock()

#: Keystone's default role hierarchy (``keystone-manage bootstrap``): a
#: role implies these. Keystone expands a token's roles itself; API tokens
#: of ``[api] auth_strategy = token`` are expanded here the same way.
IMPLIED_ROLES = {'admin': ('member', 'reader'), 'member': ('reader',)}


def get_enforcer():
    """The process's oslo.policy Enforcer (also for oslopolicy tools)."""
    global _ENFORCER
    with _LOCK:
        if _ENFORCER is None:
            _ENFORCER = policy.Enforcer(CONF)
            _ENFORCER.register_defaults(policies.list_rules())
        return _ENFORCER


def allowed(context, action, target):
    """Whether policy lets ``context`` do ``action`` on ``target`` (bool).

    :param target: dict of the target's attributes, e.g. ``project_id``.
    """
    # A plain copy: oslo.context's mapping keeps its own roles otherwise.
    credentials = dict(context.to_policy_values())
    roles = set(credentials['roles'] or ())
    for role in list(roles):
        roles.update(IMPLIED_ROLES.get(role, ()))
    credentials['roles'] = sorted(roles)
    return get_enforcer().authorize(action, target, credentials)


def authorize(context, action, target):
    """Check ``action`` for ``context`` on ``target`` (a dict).

    :raises PolicyNotAuthorized: if policy denies it.
    """
    if not allowed(context, action, target):
        raise exception.PolicyNotAuthorized(action=action)
