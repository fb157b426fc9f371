"""Nova's flavor access lists (compute API reference, "Flavors access
(flavors, os-flavor-access)"): the projects that see a private flavor.
Administrators only, by default.
"""

from consolehub.api.schemas import flavors as schema
from consolehub.api import util
from consolehub.api.views import flavors as views
from consolehub.objects import flavor as flavor_obj
from consolehub.policies import flavors_access as policies


def list_flavor_access(req):
    """``GET /v2.1/flavors/{flavor_id}/os-flavor-access`` -> 200
    ``{"flavor_access": [{flavor_id, tenant_id}]}``.

    :raises FlavorNotFound: 404, no such flavor.
    :raises FlavorAccessListPublic: 404, it is public.
    """
    context = util.authorize_own_project(req, policies.ACCESS)
    flavor_id = req.urlvars['flavor_id']
    return util.json_response(req, views.access(
        flavor_id, flavor_obj.access_list(context, flavor_id)))


def flavor_action(req):
    """``POST /v2.1/flavors/{flavor_id}/action`` with ``{"addTenantAccess":
    {"tenant"}}`` or ``{"removeTenantAccess": {"tenant"}}`` -> 200
    ``{"flavor_access": [...]}``, the list after the change.

    :raises FlavorAccessPublic: 409, adding to a public flavor.
    :raises FlavorAccessExists: 409, the project is on the list already.
    :raises FlavorAccessNotFound: 404, removing a project not on it.
    """
    body = util.extract_json(req, schema.ACTION)
    [(action, argument)] = body.items()
    flavor_id = req.urlvars['flavor_id']
    if action == 'addTenantAccess':
        context = util.authorize_own_project(req, policies.ADD)
        change = flavor_obj.add_access
    else:
        context = util.authorize_own_project(req, policies.REMOVE)
        change = flavor_obj.remove_access
    projects = change(context, flavor_id, argument['tenant'])
    return util.json_response(req, views.access(flavor_id, projects))
