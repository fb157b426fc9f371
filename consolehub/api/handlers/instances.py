"""Handlers for the native ``/instances``: create, list, show, rename,
delete."""

from consolehub.api.schemas import instance as schema
from consolehub.api import util
from consolehub.api.views import instances as views
from consolehub.conf import CONF
from consolehub.policies import instances as instance_policies


def _rule(action):
    return instance_policies.PREFIX % action


def list_instances(req):
    """``GET /instances[?limit=N&marker=UUID]`` -> 200 ``{"instances"}``.

    The caller's project's instances (every project's for an admin),
    oldest first.
    """
    context = util.authorize_own_project(req, _rule('index'))
    query = dict(req.GET.items())
    util.validate(query, schema.list_query())
    limit = min(int(query.get('limit', CONF.api.max_limit)),
                CONF.api.max_limit)
    instances = util.compute_api(req).get_all(context, limit,
                                              query.get('marker'))
    return util.json_response(
        req, {'instances': [views.instance(row) for row in instances]})


def create_instance(req):
    """``POST /instances`` -> 202 ``{"instance"}`` in BUILD.

    With ``image_id`` the guest boots that image from a disk of
    ``disk_gb`` GiB (default: what the image needs); its memory defaults
    to the image's ``min_ram`` if that is more than ``[compute]
    default_memory_mb``. An administrator may name the compute host
    (``"host"``); 400 if it is unknown or down.
    """
    context = util.authorize_own_project(req, _rule('create'))
    body = util.extract_json(req, schema.create())['instance']
    host = body.get('host')
    if host is not None:
        util.authorize_own_project(req, instance_policies.CREATE_HOST)
    instance = util.compute_api(req).create(
        context, body['name'], body.get('memory_mb'),
        body.get('vcpus', CONF.compute.default_vcpus), host=host,
        image_id=body.get('image_id'), root_gb=body.get('disk_gb'))
    response = util.json_response(
        req, {'instance': views.instance(instance)}, 202)
    response.location = req.path_url.rstrip('/') + '/' + instance['uuid']
    return response


def show_instance(req):
    """``GET /instances/{instance_id}`` -> 200 ``{"instance"}``."""
    instance = util.instance_for(req, req.urlvars['instance_id'],
                                 _rule('show'))
    return util.json_response(req, {'instance': views.instance(instance)})


def update_instance(req):
    """``PUT /instances/{instance_id}`` renames -> 200 ``{"instance"}``."""
    instance = util.instance_for(req, req.urlvars['instance_id'],
                                 _rule('update'))
    body = util.extract_json(req, schema.UPDATE)['instance']
    instance = util.compute_api(req).rename(
        util.request_context(req), instance['uuid'], body['name'])
    return util.json_response(req, {'instance': views.instance(instance)})


def delete_instance(req):
    """``DELETE /instances/{instance_id}`` -> 204 once the guest is gone.

    503 when its host is down or silent: nothing was removed.
    """
    instance = util.instance_for(req, req.urlvars['instance_id'],
                                 _rule('delete'))
    util.compute_api(req).delete(util.request_context(req),
                                 instance['uuid'])
    return util.json_response(req, None, 204)
