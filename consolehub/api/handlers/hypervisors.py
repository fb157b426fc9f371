"""Nova's ``/v2.1/os-hypervisors``: one hypervisor per compute host.

A hypervisor here is a compute host's ``consolehub-compute`` service: its
id is the service's (an integer) before 2.53 and from 2.53 a uuid derived
from its host (:func:`consolehub.objects.service.hypervisor_uuid`); its
state and status are the service's, and what is used on it the sum of
its live instances. The agents do not report their hosts' capacity, so
the totals are 0 (:mod:`consolehub.api.views.hypervisors`). Lists page
by id with ``limit`` and ``marker`` from 2.33; from 2.53 they filter by
``hypervisor_hostname_pattern`` (a substring of the host name, 404 when
no host matches, 400 with paging) and show the servers of each host
with ``with_servers``. Administrators only; Nova API reference,
"Hypervisors".
"""

import urllib.parse

from oslo_utils import strutils
import webob.exc

from consolehub.api import microversion
from consolehub.api.schemas import services as schema
from consolehub.api import util
from consolehub.api.views import hypervisors as views
from consolehub.conf import CONF
from consolehub import context as consolehub_context
from consolehub import exception
from consolehub.objects import instance as instance_obj
from consolehub import policy
from consolehub.policies import hypervisors as hypervisor_policies


def _hypervisors(req, rule):
    """``[(service row, usage of its host)]`` once ``rule`` allows it,
    by service id."""
    context = util.request_context(req)
    policy.authorize(context, rule, {'project_id': context.project_id})
    services = sorted(util.compute_api(req).service_get_all(context),
                      key=lambda service: service['id'])
    # Every project's instances count, whoever the administrator is.
    usage = instance_obj.usage_by_host(consolehub_context.get_admin_context())
    return [(service, usage.get(service['host'], views.NO_USAGE))
            for service in services]


def _servers_of(req, query, service):
    """The live instances of ``service``'s host when the query asks
    ``with_servers`` (2.53+), else None."""
    if not (microversion.is_at_least(req, '2.53') and
            strutils.bool_from_string(query.get('with_servers', False))):
        return None
    return instance_obj.get_all_by_host(
        consolehub_context.get_admin_context(), service['host'])


def _page(req, found, query, path):
    """``(found on this page, next links or None)``.

    :raises webob.exc.HTTPBadRequest: a marker no hypervisor has, or
        paging together with ``hypervisor_hostname_pattern``.
    :raises webob.exc.HTTPNotFound: no host matches the pattern.
    """
    pattern = query.get('hypervisor_hostname_pattern')
    if pattern is not None:
        if 'limit' in query or 'marker' in query:
            raise webob.exc.HTTPBadRequest(
                explanation='Paging over hypervisors with the '
                            'hypervisor_hostname_pattern query parameter '
                            'is not supported.')
        found = [entry for entry in found if pattern in entry[0]['host']]
        if not found:
            raise webob.exc.HTTPNotFound(
                explanation="No hypervisor matching '%s' could be found."
                            % pattern)
        return found, None
    if not microversion.is_at_least(req, '2.33'):
        return found, None
    limit = min(int(query.get('limit', CONF.api.max_limit)),
                CONF.api.max_limit)
    if 'marker' in query:
        ids = [str(views.hypervisor_id(req, service))
               for service, _usage in found]
        if query['marker'] not in ids:
            raise webob.exc.HTTPBadRequest(
                explanation='marker [%s] not found' % query['marker'])
        found = found[ids.index(query['marker']) + 1:]
    found = found[:limit]
    if not found or len(found) < limit:
        return found, None
    params = dict(query, limit=str(limit),
                  marker=str(views.hypervisor_id(req, found[-1][0])))
    return found, [{'rel': 'next', 'href': '%s%s/%s?%s' % (
        req.application_url, microversion.PREFIX, path,
        urllib.parse.urlencode(sorted(params.items())))}]


def _list(req, rule, path, view):
    found = _hypervisors(req, rule)
    query = dict(req.GET.items())
    util.validate(query, schema.hypervisors_query(
        microversion.request_version(req)))
    found, next_links = _page(req, found, query, path)
    body = {'hypervisors': [
        view(service, usage, _servers_of(req, query, service))
        for service, usage in found]}
    if next_links:
        body['hypervisors_links'] = next_links
    return util.json_response(req, body)


def list_hypervisors(req):
    """``GET /v2.1/os-hypervisors`` -> 200 ``{"hypervisors": [{"id",
    "hypervisor_hostname", "state", "status"}]}``, and
    ``hypervisors_links`` after a full page (2.33+)."""
    return _list(req, hypervisor_policies.LIST, 'os-hypervisors',
                 lambda service, usage, servers: views.basic(
                     req, service, servers))


def list_hypervisors_detail(req):
    """``GET /v2.1/os-hypervisors/detail`` -> 200 ``{"hypervisors":
    [...]}``, each as :func:`show_hypervisor` shows it."""
    return _list(req, hypervisor_policies.LIST_DETAIL,
                 'os-hypervisors/detail',
                 lambda service, usage, servers: views.detail(
                     req, service, usage, servers))


def show_hypervisor(req):
    """``GET /v2.1/os-hypervisors/{hypervisor_id}`` -> 200
    ``{"hypervisor": {...}}``.

    :raises HypervisorNotFound: no compute service has that id (an
        integer before 2.53, a uuid from it; any other text is not found
        either, as in Nova).
    """
    hypervisor_id = req.urlvars['hypervisor_id']
    found = _hypervisors(req, hypervisor_policies.SHOW)
    query = dict(req.GET.items())
    util.validate(query, schema.hypervisor_query(
        microversion.request_version(req)))
    for service, usage in found:
        if str(views.hypervisor_id(req, service)) == hypervisor_id:
            return util.json_response(req, {'hypervisor': views.detail(
                req, service, usage, _servers_of(req, query, service))})
    raise exception.HypervisorNotFound(hypervisor_id=hypervisor_id)


def show_hypervisor_statistics(req):
    """``GET /v2.1/os-hypervisors/statistics`` -> 200
    ``{"hypervisor_statistics": {"count", "vcpus", "vcpus_used", ...}}``:
    the sums over every hypervisor (deprecated in Nova 2.88; Horizon
    still calls it)."""
    found = _hypervisors(req, hypervisor_policies.STATISTICS)
    return util.json_response(req, views.statistics(found))
