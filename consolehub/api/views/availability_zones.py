"""Availability zones as Nova's ``os-availability-zone`` shows them
(Nova API reference, "Availability zones")."""

from consolehub.api import util
from consolehub.api.views import services as service_views


def zone_info(services, detail=False):
    """``{"availabilityZoneInfo": [zone]}`` for compute service rows
    (dicts with ``is_up``): one zone, :data:`service_views.ZONE`.

    :param detail: with each host's services (Nova's ``/detail``); else
        ``hosts`` is null, as Nova shows it.
    """
    zone = {
        'zoneName': service_views.ZONE,
        'zoneState': {'available': any(row['is_up'] for row in services)},
        'hosts': None,
    }
    if detail:
        hosts = {}
        for row in services:
            hosts.setdefault(row['host'], {})[row['binary']] = {
                'available': row['is_up'],
                # Services cannot be disabled here: always active.
                'active': True,
                'updated_at': util.isotime(row['last_seen_at']),
            }
        zone['hosts'] = hosts
    return {'availabilityZoneInfo': [zone]}
