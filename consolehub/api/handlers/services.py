"""``GET /os-services``: the compute agents and their state, as Nova.

Answers 200 ``{"services": [{"id", "binary", "host", "state", "status",
"updated_at", "zone", "disabled_reason", "forced_down"}]}`` (Nova API
reference, "List Compute Services"). ``state`` is ``up`` when the agent's
last heartbeat is younger than ``[DEFAULT] service_down_time`` seconds;
``updated_at`` is the time of that heartbeat. Agents cannot be disabled
here, so ``status`` is always ``enabled``.
"""

from consolehub.api import util
from consolehub.api.views import services as views
from consolehub import policy
from consolehub.policies import services as service_policies


def list_services(req):
    """``GET /os-services`` -> 200 ``{"services": [...]}`` (admin only)."""
    context = util.request_context(req)
    policy.authorize(context, service_policies.INDEX, {})
    services = util.compute_api(req).service_get_all(context)
    return util.json_response(
        req, {'services': [views.service(row) for row in services]})
