"""The administrators' ``os-resetState`` server action (Nova's compute
API reference, "Reset Server State (os-resetState Action)"), a row of
:data:`consolehub.api.handlers.server_actions.ACTIONS`.

``{"os-resetState": {"state": "active" | "error"}}`` -> 202 with no
body: the server is ACTIVE or ERROR and its task is cleared, whatever
it was doing. Nothing is asked of its host, and a lock does not stop it.
"""

from consolehub.api import util


def reset_state(req, instance, name, body):
    """Set the state ``body`` names -> 202."""
    util.compute_api(req).reset_state(
        util.request_context(req), instance,
        body['os-resetState']['state'].upper())
    return util.json_response(req, None, 202)
