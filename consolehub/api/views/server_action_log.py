"""A server's action log as Nova's ``os-instance-actions`` shows it
(compute API reference, "Servers actions (servers, os-instance-actions)").

Times are naive UTC with microseconds, as Nova shows them
(``2018-04-25T01:26:29.000000``).
"""


def _time(value):
    return value.strftime('%Y-%m-%dT%H:%M:%S.%f') if value else None


def action(row):
    """An action: ``{action, instance_uuid, message, project_id,
    request_id, start_time, user_id}``."""
    return {
        'action': row['action'],
        'instance_uuid': row['instance_uuid'],
        'message': row['message'],
        'project_id': row['project_id'],
        'request_id': row['request_id'],
        'start_time': _time(row['start_time']),
        'user_id': row['user_id'],
    }


def event(row, show_traceback):
    """An event: ``{event, start_time, finish_time, result}``, and
    ``traceback`` when ``show_traceback``."""
    body = {
        'event': row['event'],
        'start_time': _time(row['start_time']),
        'finish_time': _time(row['finish_time']),
        'result': row['result'],
    }
    if show_traceback:
        body['traceback'] = row['traceback']
    return body
