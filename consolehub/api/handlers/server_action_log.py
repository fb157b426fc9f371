"""Nova's ``/v2.1/servers/{server_id}/os-instance-actions``: the action
log of a server (compute API reference, "Servers actions").

Every accepted request that creates, stops, starts, reboots, deletes or
snapshots a server is an action, named by the request's
``x-openstack-request-id``; the compute host's steps are its events.
Its project's readers list and show actions; the events are shown to
administrators (with tracebacks), and from 2.51 to the other readers
without tracebacks; from 2.62 each event shows ``hostId`` (the hash of
its host and the project, as servers show it) and, to administrators,
``host``. From 2.21 the log of a deleted server stays readable. From
2.58 actions show ``updated_at`` and the list pages with ``limit`` and
``marker`` (a request id) and filters by ``changes-since``; from 2.66
by ``changes-before`` too.

The power actions of ``/instances/{id}/action`` are in
:mod:`consolehub.api.handlers.instance_actions`.
"""

import urllib.parse

from oslo_utils import timeutils
import webob.exc

from consolehub.api import microversion
from consolehub.api.schemas import server_action_log as schema
from consolehub.api import util
from consolehub.api.views import server_action_log as views
from consolehub.conf import CONF
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


def _time(query, name):
    """The naive UTC datetime of the query's ``name``, or None.

    :raises webob.exc.HTTPBadRequest: it is not ISO 8601.
    """
    if name not in query:
        return None
    try:
        return timeutils.normalize_time(timeutils.parse_isotime(
            query[name]))
    except ValueError:
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid filter field: %s.' % name)


def _next_link(req, server_id, actions, limit, query):
    """Nova's ``links``: a "next" link after a full page."""
    if not actions or len(actions) < limit:
        return None
    params = dict(query, limit=str(limit),
                  marker=actions[-1]['request_id'])
    return [{'rel': 'next', 'href': '%s%s/servers/%s/os-instance-actions?%s'
             % (req.application_url, microversion.PREFIX,
                urllib.parse.quote(server_id, safe=''),
                urllib.parse.urlencode(sorted(params.items())))}]


def list_server_actions(req):
    """``GET /v2.1/servers/{server_id}/os-instance-actions`` -> 200
    ``{"instanceActions": [{action, instance_uuid, message, project_id,
    request_id, start_time, user_id, updated_at (2.58+)}]}``, newest
    first; from 2.58 at most ``limit`` (and ``[api] max_limit``) after
    ``marker``, changed since ``changes-since`` (and before
    ``changes-before``, 2.66+), with a ``links`` "next" link after a
    full page.

    :raises InstanceNotFound: 404.
    :raises MarkerNotFound: 400, no action has the request id ``marker``.
    :raises webob.exc.HTTPBadRequest: a time that does not parse, or
        ``changes-before`` before ``changes-since``.
    """
    context, instance = _authorized_instance(req, log_policies.LIST)
    query = dict(req.GET.items())
    util.validate(query, schema.list_query(
        microversion.request_version(req)))
    paged = microversion.is_at_least(req, '2.58')
    if not paged:
        actions = action_log.get_actions(context, instance['uuid'])
        return util.json_response(req, {'instanceActions': [
            views.action(row) for row in actions]})
    since = _time(query, 'changes-since')
    before = None
    if microversion.is_at_least(req, '2.66'):
        before = _time(query, 'changes-before')
    if since and before and before < since:
        raise webob.exc.HTTPBadRequest(
            explanation='The value of changes-since must be less than or '
                        'equal to changes-before.')
    limit = min(int(query.get('limit', CONF.api.max_limit)),
                CONF.api.max_limit)
    actions = action_log.get_actions(
        context, instance['uuid'], limit=limit, marker=query.get('marker'),
        changes_since=since, changes_before=before)
    body = {'instanceActions': [views.action(row, updated_at=True)
                                for row in actions]}
    next_link = _next_link(req, instance['uuid'], actions, limit, query)
    if next_link:
        body['links'] = next_link
    return util.json_response(req, body)


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
    body = views.action(row, updated_at=microversion.is_at_least(
        req, '2.58'))
    show_traceback = policy.allowed(context, log_policies.EVENTS,
                                    {'project_id': instance['project_id']})
    if show_traceback or microversion.is_at_least(req, '2.51'):
        host_id = microversion.is_at_least(req, '2.62')
        body['events'] = [
            views.event(event, show_traceback,
                        show_host=show_traceback and host_id,
                        host_id_of=(row['project_id'] or
                                    instance['project_id'])
                        if host_id else None)
            for event in action_log.get_events(context, row['id'])]
    return util.json_response(req, {'instanceAction': body})
