"""``GET /os-services`` and ``GET /v2.1/os-services``: the compute agents
and their state, as Nova.

Answers 200 ``{"services": [{"id", "binary", "host", "state", "status",
"updated_at", "zone", "disabled_reason", "forced_down"}]}`` (Nova API
reference, "List Compute Services"). ``state`` is ``up`` when the agent's
last heartbeat is younger than ``[DEFAULT] service_down_time`` seconds;
``updated_at`` is the time of that heartbeat. Agents cannot be disabled
or forced down here, so ``status`` is always ``enabled``,
``disabled_reason`` null and ``forced_down`` false. The binary is our
own, ``consolehub-compute`` (Nova's ``nova-compute``).
"""

from consolehub.api import microversion
from consolehub.api.schemas import services as schema
from consolehub.api import util
from consolehub.api.views import services as views
from consolehub import policy
from consolehub.policies import services as service_policies


def _services(req):
    """The authorized caller's service rows, filtered as the query says
    (Nova's ``host`` and ``binary``, exact matches)."""
    context = util.request_context(req)
    policy.authorize(context, service_policies.INDEX, {})
    query = dict(req.GET.items())
    util.validate(query, schema.LIST_QUERY)
    return [row for row in util.compute_api(req).service_get_all(context)
            if all(row[name] == query[name] for name in ('host', 'binary')
                   if name in query)]


def list_services(req):
    """``GET /os-services`` -> 200 ``{"services": [...]}`` (admin only)."""
    return util.json_response(
        req, {'services': [views.service(row) for row in _services(req)]})


def list_compute_services(req):
    """``GET /v2.1/os-services`` -> 200 ``{"services": [...]}`` (admin
    only); ``forced_down`` from 2.11, and ``id`` a uuid from 2.53, as
    Nova."""
    forced_down = microversion.is_at_least(req, '2.11')
    uuid_id = microversion.is_at_least(req, '2.53')
    return util.json_response(req, {'services': [
        views.service(row, forced_down=forced_down, uuid_id=uuid_id)
        for row in _services(req)]})
