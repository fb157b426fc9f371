"""Nova's ``/v2.1/os-quota-sets/{project_id}``: a project's quotas.

``GET`` shows the limits (readers of the project, administrators),
``/detail`` adds the usage, ``/defaults`` shows the ``[quota]`` defaults
(anybody), ``PUT`` sets limits and ``DELETE`` drops them, back to the
defaults (administrators) -- Nova API reference, "Quota sets". Nova
does not check that the project exists, nor do we. Per-user quotas
(``user_id``) are not supported: 400.
"""

from oslo_utils import strutils
import webob.exc

from consolehub.api.schemas import quotas as schema
from consolehub.api import util
from consolehub.api.views import quotas as views
from consolehub.objects import quota
from consolehub import policy
from consolehub.policies import quotas as quota_policies


def _authorized_project(req, rule):
    """The ``project_id`` of the path, once ``rule`` allows it; returns
    ``(context, project_id)``."""
    context = util.request_context(req)
    project_id = req.urlvars['project_id']
    policy.authorize(context, rule, {'project_id': project_id})
    query = dict(req.GET.items())
    util.validate(query, schema.QUOTA_SET_QUERY)
    if 'user_id' in query:
        raise webob.exc.HTTPBadRequest(
            explanation='Per-user quotas are not supported: quotas apply '
                        'to a whole project; leave out user_id.')
    return context, project_id


def show_quota_set(req):
    """``GET /v2.1/os-quota-sets/{project_id}`` -> 200 ``{"quota_set"}``."""
    context, project_id = _authorized_project(req, quota_policies.SHOW)
    return util.json_response(req, views.quota_set(
        req, quota.get_limits(context, project_id), project_id))


def show_quota_set_detail(req):
    """``GET /v2.1/os-quota-sets/{project_id}/detail`` -> 200
    ``{"quota_set": {resource: {in_use, limit, reserved}}}``."""
    context, project_id = _authorized_project(req, quota_policies.DETAIL)
    return util.json_response(req, views.quota_set_detail(
        req, quota.get_limits(context, project_id),
        quota.get_usage(context, project_id), project_id))


def show_quota_set_defaults(req):
    """``GET /v2.1/os-quota-sets/{project_id}/defaults`` -> 200
    ``{"quota_set"}`` of the ``[quota]`` defaults."""
    _context, project_id = _authorized_project(req, quota_policies.DEFAULTS)
    return util.json_response(req, views.quota_set(
        req, quota.defaults(), project_id))


def update_quota_set(req):
    """``PUT /v2.1/os-quota-sets/{project_id}`` -> 200 ``{"quota_set"}``.

    A limit below what the project uses now is a 400 unless ``force`` is
    true, as in Nova.
    """
    context, project_id = _authorized_project(req, quota_policies.UPDATE)
    body = util.extract_json(req, schema.update())['quota_set']
    force = strutils.bool_from_string(body.pop('force', False), strict=True)
    quota.set_limits(context, project_id,
                     {name: int(value) for name, value in body.items()},
                     force=force)
    # As Nova, without "id".
    return util.json_response(req, views.quota_set(
        req, quota.get_limits(context, project_id)))


def delete_quota_set(req):
    """``DELETE /v2.1/os-quota-sets/{project_id}`` -> 202: the project's
    limits are the defaults again."""
    context, project_id = _authorized_project(req, quota_policies.DELETE)
    quota.reset(context, project_id)
    return util.json_response(req, None, 202)
