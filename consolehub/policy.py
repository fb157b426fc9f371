"""The policy enforcer, loaded once with our defaults."""

import threading

from oslo_policy import policy
import webob.exc

from consolehub.conf import CONF
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


def authorize(context, action, target):
    """Check ``action`` for ``context`` on ``target`` (a dict).

    :raises webob.exc.HTTPForbidden: if policy denies it.
    """
    credentials = context.to_policy_values()
    if not get_enforcer().authorize(action, target, credentials):
        raise webob.exc.HTTPForbidden(
            explanation='Policy does not allow %s to be performed.' % action)
