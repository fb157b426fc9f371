"""The policy enforcer, loaded once with our defaults."""

import threading

from oslo_policy import policy

from consolehub.conf import CONF
from consolehub import exception
from consolehub import policies

_ENFORCER = None
_LOCK = threading.Lock()


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
    return get_enforcer().authorize(action, target,
                                    context.to_policy_values())


def authorize(context, action, target):
    """Check ``action`` for ``context`` on ``target`` (a dict).

    :raises PolicyNotAuthorized: if policy denies it.
    """
    if not allowed(context, action, target):
        raise exception.PolicyNotAuthorized(action=action)
