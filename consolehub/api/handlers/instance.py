"""Handlers for /instances: create, list, show, rename, delete."""

import webob.exc

from consolehub.api.schemas import instance as schema
from consolehub.api import util
from consolehub.conf import CONF
from consolehub import exception
from consolehub import policy
from consolehub.policies import instances as instance_policies


def view(instance):
    """The API's representation of an instance dict."""
    body = {
        'id': instance['uuid'],
        'name': instance['name'],
        'status': instance['status'],
        'host': instance['host'],
        'project_id': instance['project_id'],
        'user_id': instance['user_id'],
        'memory_mb': instance['memory_mb'],
        'vcpus': instance['vcpus'],
        'created_at': util.isotime(instance['created_at']),
        'updated_at': util.isotime(instance['updated_at']),
    }
    if instance['fault']:
        body['fault'] = {'message': instance['fault']}
    return body


def get_instance(req, instance_id):
    """The caller's instance; HTTP 404 if it is not theirs or gone."""
    try:
        return util.compute_api(req).get(util.request_context(req),
                                         instance_id)
    except exception.InstanceNotFound as error:
        raise webob.exc.HTTPNotFound(explanation=str(error))


def _authorize(req, action, project_id):
    context = util.request_context(req)
    policy.authorize(context, instance_policies.PREFIX % action,
                     {'project_id': project_id})
    return context


def list_instances(req):
    """``GET /instances[?limit=N&marker=UUID]`` -> 200 ``{"instances"}``."""
    context = _authorize(req, 'index',
                         util.request_context(req).project_id)
    query = dict(req.GET.items())
    util.validate(query, schema.list_query())
    limit = min(int(query.get('limit', CONF.api.max_limit)),
                CONF.api.max_limit)
    try:
        instances = util.compute_api(req).get_all(context, limit,
                                                  query.get('marker'))
    except exception.InstanceNotFound:
        raise webob.exc.HTTPBadRequest(
            explanation='Marker %s could not be found.' % query['marker'])
    return util.json_response(
        req, {'instances': [view(instance) for instance in instances]})


def create_instance(req):
    """``POST /instances`` -> 202 ``{"instance"}`` in BUILD.

    An administrator may name the compute host (``"host"``); 400 if it is
    unknown or down.
    """
    context = _authorize(req, 'create',
                         util.request_context(req).project_id)
    body = util.extract_json(req, schema.create())['instance']
    host = body.get('host')
    if host is not None:
        policy.authorize(context, instance_policies.CREATE_HOST,
                         {'project_id': context.project_id})
    try:
        instance = util.compute_api(req).create(
            context, body['name'],
            body.get('memory_mb', CONF.compute.default_memory_mb),
            body.get('vcpus', CONF.compute.default_vcpus), host=host)
    except exception.HostUnavailable as error:
        raise webob.exc.HTTPBadRequest(explanation=str(error))
    response = util.json_response(req, {'instance': view(instance)}, 202)
    response.location = req.path_url.rstrip('/') + '/' + instance['uuid']
    return response


def show_instance(req):
    """``GET /instances/{instance_id}`` -> 200 ``{"instance"}``."""
    instance = get_instance(req, req.urlvars['instance_id'])
    _authorize(req, 'show', instance['project_id'])
    return util.json_response(req, {'instance': view(instance)})


def update_instance(req):
    """``PUT /instances/{instance_id}`` renames -> 200 ``{"instance"}``."""
    context = util.request_context(req)
    instance = get_instance(req, req.urlvars['instance_id'])
    _authorize(req, 'update', instance['project_id'])
    body = util.extract_json(req, schema.UPDATE)['instance']
    try:
        instance = util.compute_api(req).rename(context, instance['uuid'],
                                                body['name'])
    except exception.InstanceNotFound as error:
        raise webob.exc.HTTPNotFound(explanation=str(error))
    return util.json_response(req, {'instance': view(instance)})


def delete(req, instance):
    """Delete an authorized ``instance``; the 204 response once it is gone.

    :raises webob.exc.HTTPNotFound: it went meanwhile.
    :raises webob.exc.HTTPServiceUnavailable: its host is down or silent;
        nothing was removed.
    """
    try:
        util.compute_api(req).delete(util.request_context(req),
                                     instance['uuid'])
    except exception.InstanceNotFound as error:
        raise webob.exc.HTTPNotFound(explanation=str(error))
    except exception.ComputeHostUnavailable as error:
        raise webob.exc.HTTPServiceUnavailable(explanation=str(error))
    return util.json_response(req, None, 204)


def delete_instance(req):
    """``DELETE /instances/{instance_id}`` -> 204 once the guest is gone."""
    instance = get_instance(req, req.urlvars['instance_id'])
    _authorize(req, 'delete', instance['project_id'])
    return delete(req, instance)
