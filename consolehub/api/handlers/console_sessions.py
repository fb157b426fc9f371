"""Console sessions of an instance: list them, end one, download one's
recording (administrators).

``GET /instances/{server_id}/console-sessions`` answers 200
``{"console_sessions": [...]}``, newest first; ``DELETE
/instances/{server_id}/console-sessions/{session_id}`` answers 202: the
console proxy closes the session within ``[console]
session_check_interval`` seconds and records its end. ``GET
.../console-sessions/{session_id}/recording`` answers 200 with the
session's recording (``application/octet-stream``, the format of
:mod:`consolehub.console.recording_format`), 404 when it has none
here.
"""

import webob

from consolehub.api import util
from consolehub.api.views import console_sessions as views
from consolehub.objects import console_session as session_obj
from consolehub.policies import console_sessions as session_policies

#: Bytes read from a recording at a time while it is sent.
_CHUNK = 256 * 1024


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
        views.console_session(row, session_obj.recording_size(row))
        for row in sessions]})


def delete_console_session(req):
    """``DELETE .../console-sessions/{session_id}`` -> 202."""
    context, instance = _instance(req, session_policies.DELETE)
    util.compute_api(req).end_console_session(
        context, instance['uuid'], req.urlvars['session_id'])
    return util.json_response(req, None, 202)


def show_console_session_recording(req):
    """``GET .../console-sessions/{session_id}/recording`` -> 200 the
    recording's bytes as written so far.

    :raises ConsoleRecordingNotFound: 404, not recorded or no file here.
    """
    context, instance = _instance(req, session_policies.RECORDING)
    row, recording, size = session_obj.open_recording(
        context, instance['uuid'], req.urlvars['session_id'])
    response = webob.Response(app_iter=_limited(recording, size),
                              content_type='application/octet-stream')
    response.content_length = size
    response.headers['Content-Disposition'] = (
        'attachment; filename="%s%s"' % (row['uuid'],
                                         session_obj.RECORDING_SUFFIX))
    return response


def _limited(recording, size):
    """The first ``size`` bytes of ``recording``: a live session's file
    grows while it is sent, and Content-Length must hold."""
    with recording:
        while size > 0:
            chunk = recording.read(min(_CHUNK, size))
            if not chunk:
                return
            size -= len(chunk)
            yield chunk
