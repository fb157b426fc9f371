"""Console sessions of an instance: list them, end one (administrators).

``GET /instances/{server_id}/console-sessions`` answers 200
``{"console_sessions": [...]}``, newest first; ``DELETE
/instances/{server_id}/console-sessions/{session_id}`` answers 202: the
console proxy closes the session within ``[console]
session_check_interval`` seconds and records its end.
"""

from consolehub.api import util
from consolehub.api.views import console_sessions as views
from consolehub.policies import console_sessions as session_policies


def _instance(req, rule):
    context = util.authorize_own_project(req, rule)
    instance = util.compute_api(req).get(context, req.urlvars['server_id'])
    return context, instance


def list_console_sessions(req):
    """``GET .../console-sessions`` -> 200 ``{"console_sessions"}``."""
    context, instance = _instance(req, session_policies.INDEX)
    sessions = util.compute_api(req).get_console_sessions(
        context, instance['uuid'])
    return util.json_response(req, {'console_sessions': [
        views.console_session(row) for row in sessions]})


def delete_console_session(req):
    """``DELETE .../console-sessions/{session_id}`` -> 202."""
    context, instance = _instance(req, session_policies.DELETE)
    util.compute_api(req).end_console_session(
        context, instance['uuid'], req.urlvars['session_id'])
    return util.json_response(req, None, 202)
