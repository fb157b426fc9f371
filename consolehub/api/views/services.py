"""A compute service as Nova's ``os-services`` shows it (Nova API
reference, "List Compute Services")."""

from consolehub.api import util
from consolehub.objects import service as service_obj

#: The availability zone every host is in.
ZONE = 'nova'


def service(row, forced_down=True, uuid_id=False):
    """The body of one service row (with ``is_up``); ``forced_down``:
    whether the key is shown (Nova shows it from 2.11); ``uuid_id``:
    whether ``id`` is the service's uuid (Nova's from 2.53) rather than
    its integer id."""
    body = {
        'id': service_obj.service_uuid(row) if uuid_id else row['id'],
        'binary': row['binary'],
        'host': row['host'],
        'zone': ZONE,
        'state': 'up' if row['is_up'] else 'down',
        'status': 'enabled',
        'updated_at': util.isotime(row['last_seen_at']),
        'disabled_reason': None,
    }
    if forced_down:
        body['forced_down'] = False
    return body
