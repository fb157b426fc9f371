"""Nova's ``GET /v2.1/limits``: the caller's absolute limits and usage.

Answers 200 ``{"limits": {"absolute": {"maxTotalInstances": 10,
"totalInstancesUsed": 2, ...}, "rate": []}}`` (Nova API reference,
"Limits"). An administrator may name another project with
``?tenant_id=``.
"""

from consolehub.api.schemas import quotas as schema
from consolehub.api import util
from consolehub.api.views import quotas as views
from consolehub.objects import quota
from consolehub import policy
from consolehub.policies import quotas as quota_policies


def show_limits(req):
    """``GET /v2.1/limits`` -> 200 ``{"limits": {"absolute", "rate"}}``."""
    context = util.authorize_own_project(req, quota_policies.LIMITS)
    query = dict(req.GET.items())
    util.validate(query, schema.LIMITS_QUERY)
    project_id = query.get('tenant_id', context.project_id)
    if project_id != context.project_id:
        policy.authorize(context, quota_policies.LIMITS_OTHER_PROJECT,
                         {'project_id': project_id})
    return util.json_response(req, views.limits(
        req, quota.get_limits(context, project_id),
        quota.get_usage(context, project_id)))
