"""A console session as the sessions API shows it."""

from consolehub.api import util


def console_session(row, recording_bytes=None):
    """The body of one console session row.

    ``status`` is ``open``, ``ending`` (an end was asked for; the proxy
    closes it at its next check) or ``ended``; ``user_id`` is the user
    who asked for the console, ``view_only`` whether the session only
    watched (the proxy relayed none of its input). ``recorded`` says
    whether the proxy records it; ``recording_bytes`` (int, or None when
    there is no file here) is its recording's size now.
    """
    if row['ended_at'] is not None:
        status = 'ended'
    elif row['end_requested_at'] is not None:
        status = 'ending'
    else:
        status = 'open'
    return {
        'id': row['uuid'],
        'instance_id': row['instance_uuid'],
        'console_type': row['console_type'],
        'token_hash_prefix': row['token_hash_prefix'],
        'client_address': row['client_address'],
        'user_id': row['user_id'],
        'view_only': bool(row['view_only']),
        'status': status,
        'started_at': util.isotime(row['started_at']),
        'ended_at': util.isotime(row['ended_at']),
        'bytes_to_client': row['bytes_to_client'],
        'bytes_to_guest': row['bytes_to_guest'],
        'close_reason': row['close_reason'] or row['end_reason'],
        'recorded': bool(row['recorded']),
        'recording_bytes': recording_bytes,
    }
