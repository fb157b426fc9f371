"""The ``lock`` and ``unlock`` server actions (Nova's compute API
reference, "Lock Server (lock Action)", "Unlock Server (unlock
Action)"), rows of :data:`consolehub.api.handlers.server_actions.ACTIONS`.

Both answer 202 with no body. A locked server refuses ``os-stop``,
``os-start``, ``reboot``, ``createImage``, metadata changes and its
delete by non-admins with 409 "Instance <uuid> is locked"; servers show
``locked`` from 2.9. Unlocking a server locked by someone else (an
administrator for its owner, its owner for an administrator of another
project) takes the ``unlock:unlock_override`` rule (403 otherwise).
"""

from consolehub.api import util
from consolehub.policies import lock_server as policies


def lock_server(req, instance, name, body):
    """``{"lock": null}`` -> 202."""
    util.compute_api(req).lock(util.request_context(req), instance)
    return util.json_response(req, None, 202)


def unlock_server(req, instance, name, body):
    """``{"unlock": null}`` -> 202; 403 without the override rule for a
    server someone else locked."""
    compute = util.compute_api(req)
    context = util.request_context(req)
    if not compute.is_expected_locked_by(context, instance):
        util.authorize_for_instance(req, policies.UNLOCK_OVERRIDE, instance)
    compute.unlock(context, instance)
    return util.json_response(req, None, 202)
