"""Nova's ``/v2.1/servers/{server_id}/os-instance-actions``: the action
log of a server (compute API reference, "Servers actions").

Every accepted request that creates, stops, starts, reboots, deletes or
snapshots a server is an action, named by the request's
``x-openstack-request-id``; the compute host's steps are its events.
Its project's readers list and show actions; the events are shown to
administrators (with tracebacks), and from 2.51 to the other readers
without tracebacks. From 2.21 the log of a deleted server stays
readable. ``limit``, ``marker`` and ``changes-since`` (2.58) are not
served: our highest microversion is below 2.58.

The power actions of ``/instances/{id}/action`` are in
:mod:`consolehub.api.handlers.instance_actions`.
"""

from consolehub.api import microversion
from consolehub.api import util
from consolehub.api.views import server_action_log as views
from consolehub.objects import instance_action_log as action_log
from consolehub import policy
from consolehub.policies import server_action_log as log_policies


def _authorized_instance(req, rule):
    """``(context, instance)`` of the path's server, once ``rule``
    allows it; a deleted server only from 2.21."""
    context = util.request_context(req)
    instance = action_log.get_instance(
        context, req.urlvars['server_id'],
        include_deleted=microversion.is_at_least(req, '2.21'))
    util.authorize_for_instance(req, rule, instance)
    return context, instance


def list_server_actions(req):
    """``GET /v2.1/servers/{server_id}/os-instance-actions`` -> 200
    ``{"instanceActions": [{action, instance_uuid, message, project_id,
    request_id, start_time, user_id}]}``, newest first.

    :raises InstanceNotFound: 404.
    """
    context, instance = _authorized_instance(req, log_policies.LIST)
    actions = action_log.get_actions(context, instance['uuid'])
    return util.json_response(req, {
        'instanceActions': [views.action(row) for row in actions]})


def show_server_action(req):
    """``GET /v2.1/servers/{server_id}/os-instance-actions/{request_id}``
    -> 200 ``{"instanceAction": {..., "events": [{event, start_time,
    finish_time, result, traceback}]}}``; ``events`` only for
    administrators before 2.51, ``traceback`` only for them.

    :raises InstanceNotFound, InstanceActionNotFound: 404.
    """
    context, instance = _authorized_instance(req, log_policies.SHOW)
    row = action_log.get_action(context, instance['uuid'],
                                req.urlvars['request_id'])
    body = views.action(row)
    show_traceback = policy.allowed(context, log_policies.EVENTS,
                                    {'project_id': instance['project_id']})
    if show_traceback or microversion.is_at_least(req, '2.51'):
        body['events'] = [views.event(event, show_traceback)
                          for event in action_log.get_events(context,
                                                             row['id'])]
    return util.json_response(req, {'instanceAction': body})
