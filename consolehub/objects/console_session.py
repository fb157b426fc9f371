"""Console sessions: one websocket (or one SPICE session's channels)
through the console proxy, from token redeem to close.

The close reasons below are every reason a session row or a close frame
can give; the proxy, the API and the instance's delete share them.
"""

import os

from consolehub.conf import CONF
from consolehub.db import console_sessions as db_sessions
from consolehub import exception

#: Outcomes of :func:`redeem`.
REDEEM_OK = db_sessions.REDEEM_OK
REDEEM_INVALID = db_sessions.REDEEM_INVALID
REDEEM_USED = db_sessions.REDEEM_USED
REDEEM_LIMIT = db_sessions.REDEEM_LIMIT

#: File name suffix of a session's recording in ``[console]
#: record_directory`` (format: :mod:`consolehub.console.recording_format`).
RECORDING_SUFFIX = '.rec'

# Close reasons, recorded in session rows and sent in close frames.
REASON_CLIENT_CLOSED = 'client closed'
REASON_GUEST_CLOSED = 'console closed'
REASON_UNREACHABLE = 'cannot reach console'
REASON_BINARY_ONLY = 'binary frames only'
REASON_STOPPING = 'console proxy stopping'
REASON_TOKEN_EXPIRED = 'console token expired'
REASON_IDLE = 'idle timeout'
REASON_LIMIT = 'too many console sessions for this instance'
REASON_VIEWER_LIMIT = 'too many view-only console sessions for this instance'
REASON_VIEW_ONLY_CHANNEL = 'view-only console: channel not allowed'
REASON_VIEW_ONLY_PROTOCOL = 'view-only console: unexpected client message'
REASON_RESTARTED = 'console proxy restarted'
REASON_ENDED_BY_ADMIN = 'ended by an administrator'
REASON_INSTANCE_DELETED = 'instance deleted'
REASON_HANDSHAKE_FAILED = 'websocket handshake failed'
REASON_SPICE_CHANNELS = 'too many SPICE channels for this session'
REASON_PORT_INVALID = 'console port no longer the guest\'s'
REASON_PORT_UNCHECKED = 'cannot check the console port'


def redeem(token_digest, console_type, client_address, single_use,
           max_sessions, ending=(), max_viewers=0, record_all=False):
    """Redeem a console token into a new session, in one transaction.

    See :func:`consolehub.db.console_sessions.console_session_redeem`:
    ``max_sessions`` bounds the open full sessions of the instance,
    ``max_viewers`` its open view-only ones (0: no limit); ``record_all``
    records the session whatever its token asked.

    :returns: ``(outcome, token dict or None, session dict or None)``.
    :raises DatabaseUnavailable: nothing changed; try again later.
    """
    return db_sessions.console_session_redeem(
        token_digest, console_type, client_address, single_use,
        max_sessions, ending, max_viewers, record_all)


def finish(ends):
    """Record sessions' ends in one transaction.

    :param ends: iterable of ``(session uuid, close reason, bytes to the
        client, bytes to the guest)``.
    """
    db_sessions.console_session_finish(ends)


def end_all_open(context, reason):
    """End every open session row (a proxy starting finds its old ones).

    :returns: how many (int).
    """
    return db_sessions.console_session_end_all_open(context, reason)


def get_all_by_instance(context, instance_uuid):
    """Every session (dicts) of a visible instance, newest first.

    :raises InstanceNotFound: the instance is not visible.
    """
    return db_sessions.console_session_get_all_by_instance(context,
                                                           instance_uuid)


def request_end(context, instance_uuid, session_uuid, reason):
    """Ask the proxy to end an open session of a visible instance.

    :raises InstanceNotFound, ConsoleSessionNotFound.
    :returns: the session row (dict).
    """
    return db_sessions.console_session_request_end(
        context, instance_uuid, session_uuid, reason)


def ends_requested(context, session_uuids=None):
    """``{session uuid: reason}`` of the open sessions that must end
    (asked by an administrator, or their instance was deleted).

    :param session_uuids: iterable of str to look at those only; None for
        every open session.
    """
    return db_sessions.console_session_ends_requested(
        context, session_uuids, REASON_INSTANCE_DELETED)


def recording_path(session_uuid, directory=None):
    """Where the recording of a session is (str).

    :param directory: ``[console] record_directory`` unless given.
    """
    return os.path.join(directory or CONF.console.record_directory,
                        session_uuid + RECORDING_SUFFIX)


def recording_size(row):
    """Bytes (int) of a session row's recording file, or None when the
    session was not recorded or its file is not (or no longer) here."""
    if not row.get('recorded'):
        return None
    try:
        return os.stat(recording_path(row['uuid'])).st_size
    except OSError:
        return None


def open_recording(context, instance_uuid, session_uuid):
    """The recording of a session of a visible instance.

    The API reads ``[console] record_directory`` itself: the proxy's
    directory, on the same host or shared with the API's (read only).

    :returns: ``(session row dict, binary file object, size in bytes)``;
        the caller closes the file.
    :raises InstanceNotFound, ConsoleSessionNotFound: not visible.
    :raises ConsoleRecordingNotFound: not recorded, or the file is gone
        (purged after ``[console] record_retention``, or on another host).
    """
    row = db_sessions.console_session_get(context, instance_uuid,
                                          session_uuid)
    if row['recorded']:
        try:
            recording = open(recording_path(row['uuid']), 'rb')
        except OSError:
            pass
        else:
            return row, recording, os.fstat(recording.fileno()).st_size
    raise exception.ConsoleRecordingNotFound(session_id=session_uuid)
