"""Nova's ``/v2.1/os-simple-tenant-usage``: what projects' servers held
over a period (Nova API reference, "Usage reports").

``start`` and ``end`` are naive UTC times, ``2024-01-31T12:00:00`` (with
or without ``.microseconds``, or a space for the ``T``), as Nova parses
them; either left out is now, and an ``end`` in the future is now.
Server hours count from the server's creation to its deletion
(:mod:`consolehub.objects.tenant_usage`). One answer counts at most
``[api] max_limit`` servers; from 2.40 ``limit`` and ``marker`` (the
uuid of the server to start after) page, and a full page links to the
next (``tenant_usages_links`` or ``tenant_usage_links``), as Nova.
"""

import datetime
import urllib.parse

from oslo_utils import timeutils

from consolehub.api import microversion
from consolehub.api.schemas import tenant_usage as schema
from consolehub.api import util
from consolehub.api.views import tenant_usage as views
from consolehub.conf import CONF
from consolehub import exception
from consolehub.objects import tenant_usage
from consolehub import policy
from consolehub.policies import tenant_usage as usage_policies

#: The time formats Nova's ``_parse_datetime`` accepts.
TIME_FORMATS = ('%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%S.%f',
                '%Y-%m-%d %H:%M:%S.%f')


def parse_time(text, now):
    """The naive UTC datetime of ``text``, or ``now`` for none.

    :raises InvalidStrTime: in none of :data:`TIME_FORMATS`.
    """
    if not text:
        return now
    for time_format in TIME_FORMATS:
        try:
            return datetime.datetime.strptime(text, time_format)
        except ValueError:
            continue
    raise exception.InvalidStrTime(reason='Datetime is in invalid format')


def _period(req):
    """``(start, stop, detailed, query)`` of the validated query.

    :raises InvalidStrTime: a time is not one of Nova's formats.
    :raises InvalidUsagePeriod: ``start`` is after ``end``.
    """
    query = dict(req.GET.items())
    util.validate(query, schema.list_query(
        microversion.request_version(req)))
    now = timeutils.utcnow()
    start = parse_time(query.get('start'), now)
    stop = parse_time(query.get('end'), now)
    # Nova refuses an empty period too; here it counts zero hours, so
    # that leaving out both times is not an error.
    if start > stop:
        raise exception.InvalidUsagePeriod()
    return start, min(stop, now), query.get('detailed') == '1', query


def _page(req, context, project_id=None, detailed=True):
    """The usage page and its links (None: no next page).

    :raises InvalidStrTime, InvalidUsagePeriod, MarkerNotFound: 400.
    """
    start, stop, list_detailed, query = _period(req)
    paged = microversion.is_at_least(req, '2.40')
    limit = CONF.api.max_limit
    if paged:
        limit = min(int(query.get('limit', limit)), limit)
    page = tenant_usage.usage_by_project(
        context, start, stop, project_id=project_id,
        detailed=detailed or list_detailed, limit=limit,
        marker=query.get('marker') if paged else None)
    if not paged or not page.instance_uuids or \
            len(page.instance_uuids) < limit:
        return page, None
    path = 'os-simple-tenant-usage'
    if project_id is not None:
        path += '/' + urllib.parse.quote(project_id, safe='')
    params = dict(query, limit=str(limit), marker=page.instance_uuids[-1])
    return page, [{'rel': 'next', 'href': '%s%s/%s?%s' % (
        req.application_url, microversion.PREFIX, path,
        urllib.parse.urlencode(sorted(params.items())))}]


def list_tenant_usages(req):
    """``GET /v2.1/os-simple-tenant-usage`` -> 200 ``{"tenant_usages":
    [...]}``, one per project with servers in the period, with
    ``server_usages`` when ``detailed=1`` (administrators), and from
    2.40 ``tenant_usages_links`` after a full page.

    :raises InvalidStrTime, InvalidUsagePeriod, MarkerNotFound: 400.
    """
    context = util.authorize_own_project(req, usage_policies.LIST)
    page, next_links = _page(req, context, detailed=False)
    body = {'tenant_usages': [views.tenant_usage(usage)
                              for usage in page.usages]}
    if next_links:
        body['tenant_usages_links'] = next_links
    return util.json_response(req, body)


def show_tenant_usage(req):
    """``GET /v2.1/os-simple-tenant-usage/{project_id}`` -> 200
    ``{"tenant_usage": {...}}`` with ``server_usages``, or ``{}`` when
    the project had no servers in the period (its readers,
    administrators), and from 2.40 ``tenant_usage_links`` after a full
    page.

    :raises InvalidStrTime, InvalidUsagePeriod, MarkerNotFound: 400.
    """
    context = util.request_context(req)
    project_id = req.urlvars['project_id']
    policy.authorize(context, usage_policies.SHOW,
                     {'project_id': project_id})
    page, next_links = _page(req, context, project_id=project_id)
    body = {'tenant_usage': (
        views.tenant_usage(page.usages[0]) if page.usages else {})}
    if next_links:
        body['tenant_usage_links'] = next_links
    return util.json_response(req, body)
