"""Nova collections consolehub does not have, answered empty so that
clients listing them work: host aggregates, server groups and
migrations.

There are no aggregates (every host is in the one zone ``nova``), no
server groups (placement picks the least loaded host, with no affinity
rules) and no migrations (an instance stays on its host). Nova API
reference, "Host aggregates", "Server groups", "Migrations".
"""

from consolehub.api import microversion
from consolehub.api.schemas import empty_collections as schema
from consolehub.api import util
from consolehub import exception
from consolehub.policies import empty_collections as empty_policies


def list_aggregates(req):
    """``GET /v2.1/os-aggregates`` -> 200 ``{"aggregates": []}``
    (administrators)."""
    util.authorize_own_project(req, empty_policies.AGGREGATES)
    return util.json_response(req, {'aggregates': []})


def list_server_groups(req):
    """``GET /v2.1/os-server-groups`` -> 200 ``{"server_groups": []}``
    (a project's readers, administrators).

    :raises webob.exc.HTTPBadRequest: ``limit`` or ``offset`` is not a
        whole number.
    """
    util.authorize_own_project(req, empty_policies.SERVER_GROUPS)
    util.validate(dict(req.GET.items()), schema.SERVER_GROUPS_QUERY)
    return util.json_response(req, {'server_groups': []})


def show_server_group(req):
    """``GET /v2.1/os-server-groups/{server_group_id}``: always Nova's
    404, as no server group exists.

    :raises ServerGroupNotFound: always.
    """
    util.authorize_own_project(req, empty_policies.SERVER_GROUP)
    raise exception.ServerGroupNotFound(
        group_id=req.urlvars['server_group_id'])


def list_migrations(req):
    """``GET /v2.1/os-migrations`` -> 200 ``{"migrations": []}``
    (administrators); Nova's filters are accepted and match nothing.
    From 2.59 other parameters are 400, and so is any ``marker``, as no
    migration has it (Nova's "Marker ... could not be found.").

    :raises MarkerNotFound: 400, 2.59+ with a ``marker``.
    """
    util.authorize_own_project(req, empty_policies.MIGRATIONS)
    query = dict(req.GET.items())
    util.validate(query, schema.migrations_query(
        microversion.request_version(req)))
    if 'marker' in query and microversion.is_at_least(req, '2.59'):
        raise exception.MarkerNotFound(marker=query['marker'])
    return util.json_response(req, {'migrations': []})
