"""A server's action log as Nova's ``os-instance-actions`` shows it
(compute API reference, "Servers actions (servers, os-instance-actions)").

Times are naive UTC with microseconds, as Nova shows them
(``2018-04-25T01:26:29.000000``).
"""

import hashlib


def _time(value):
    return value.strftime('%Y-%m-%dT%H:%M:%S.%f') if value else None


def host_id(host, project_id):
    """Nova's ``hostId``: the SHA-224 of the project id and the host
    name, in hex; "" without a host (``nova.utils.generate_hostid``)."""
    if not host:
        return ''
    return hashlib.sha224((project_id + host).encode('utf-8')).hexdigest()


def action(row, updated_at=False):
    """An action: ``{action, instance_uuid, message, project_id,
    request_id, start_time, user_id}``, and ``updated_at`` when asked
    (Nova's from 2.58)."""
    body = {
        'action': row['action'],
        'instance_uuid': row['instance_uuid'],
        'message': row['message'],
        'project_id': row['project_id'],
        'request_id': row['request_id'],
        'start_time': _time(row['start_time']),
        'user_id': row['user_id'],
    }
    if updated_at:
        body['updated_at'] = _time(row['updated_at'])
    return body


def event(row, show_traceback, show_host=False, host_id_of=None):
    """An event: ``{event, start_time, finish_time, result}``, and
    ``traceback`` when ``show_traceback``, ``host`` when ``show_host``,
    ``hostId`` (:func:`host_id` of that project id) when ``host_id_of``
    is given (Nova's from 2.62)."""
    body = {
        'event': row['event'],
        'start_time': _time(row['start_time']),
        'finish_time': _time(row['finish_time']),
        'result': row['result'],
    }
    if show_traceback:
        body['traceback'] = row['traceback']
    if show_host:
        body['host'] = row['host']
    if host_id_of is not None:
        body['hostId'] = host_id(row['host'], host_id_of)
    return body
