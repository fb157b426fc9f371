"""Console sessions of an instance: list them, end one (administrators).

``GET /instances/{server_id}/console-sessions`` answers 200
``{"console_sessions": [...]}``, newest first; ``DELETE
/instances/{server_id}/console-sessions/{session_id}`` answers 202: the
console proxy closes the session within ``[console]
session_check_interval`` seconds and records its end.
"""

import webob.exc

from consolehub.api.handlers import instance as instance_handlers
from consolehub.api import util
from consolehub import exception
from consolehub import policy
from consolehub.policies import console_sessions as session_policies


def view(session):
    """The API's representation of a console session row."""
    if session['ended_at'] is not None:
        status = 'ended'
    elif session['end_requested_at'] is not None:
        status = 'ending'
    else:
        status = 'open'
    return {
        'id': session['uuid'],
        'instance_id': session['instance_uuid'],
        'console_type': session['console_type'],
        'token_hash_prefix': session['token_hash_prefix'],
        'client_address': session['client_address'],
        'status': status,
        'started_at': util.isotime(session['started_at']),
        'ended_at': util.isotime(session['ended_at']),
        'bytes_to_client': session['bytes_to_client'],
        'bytes_to_guest': session['bytes_to_guest'],
        'close_reason': session['close_reason'] or session['end_reason'],
    }


def _instance(req, action):
    context = util.request_context(req)
    policy.authorize(context, action, {'project_id': context.project_id})
    instance = instance_handlers.get_instance(req, req.urlvars['server_id'])
    return context, instance


def list_console_sessions(req):
    """``GET .../console-sessions`` -> 200 ``{"console_sessions"}``."""
    context, instance = _instance(req, session_policies.INDEX)
    sessions = util.compute_api(req).get_console_sessions(
        context, instance['uuid'])
    return util.json_response(
        req, {'console_sessions': [view(row) for row in sessions]})


def delete_console_session(req):
    """``DELETE .../console-sessions/{session_id}`` -> 202."""
    context, instance = _instance(req, session_policies.DELETE)
    try:
        util.compute_api(req).end_console_session(
            context, instance['uuid'], req.urlvars['session_id'])
    except exception.NotFound as error:
        raise webob.exc.HTTPNotFound(explanation=str(error))
    return util.json_response(req, None, 202)
