"""Nova's ``GET /v2.1/os-availability-zone[/detail]``: the one zone.

Every compute host is in the zone ``nova`` (``views.services.ZONE``):
consolehub has no host aggregates to make others. Nova API reference,
"Availability zones".
"""

from consolehub.api import util
from consolehub.api.views import availability_zones as views
from consolehub import policy
from consolehub.policies import availability_zones as zone_policies


def _services(req, rule):
    context = util.request_context(req)
    policy.authorize(context, rule, {'project_id': context.project_id})
    return util.compute_api(req).service_get_all(context)


def list_availability_zones(req):
    """``GET /v2.1/os-availability-zone`` -> 200
    ``{"availabilityZoneInfo": [{"zoneName": "nova", "zoneState":
    {"available": bool}, "hosts": null}]}`` (anybody).

    The zone is available when a compute host in it is up.
    """
    services = _services(req, zone_policies.LIST)
    return util.json_response(req, views.zone_info(services))


def list_availability_zones_detail(req):
    """``GET /v2.1/os-availability-zone/detail`` -> 200 the zones with
    ``"hosts": {host: {binary: {"available", "active", "updated_at"}}}``
    (administrators)."""
    services = _services(req, zone_policies.DETAIL)
    return util.json_response(req, views.zone_info(services, detail=True))
