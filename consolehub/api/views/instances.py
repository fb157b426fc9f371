"""An instance as the native ``/instances`` API shows it."""

from consolehub.api import util


def instance(row):
    """``{"id", "name", "status", "host", ...}`` of an instance row."""
    body = {
        'id': row['uuid'],
        'name': row['name'],
        'status': row['status'],
        # Nova's task_state (None when idle) and power_state.
        'task_state': row['task_state'],
        'power_state': row['power_state'],
        'host': row['host'],
        'project_id': row['project_id'],
        'user_id': row['user_id'],
        'memory_mb': row['memory_mb'],
        'vcpus': row['vcpus'],
        'image_id': row['image_ref'],
        'disk_gb': row['root_gb'],
        'created_at': util.isotime(row['created_at']),
        'updated_at': util.isotime(row['updated_at']),
    }
    if row['fault']:
        body['fault'] = {'message': row['fault']}
    return body
