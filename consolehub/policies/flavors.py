"""Policy defaults for Nova's ``/v2.1/flavors``: anyone lists and shows
the flavors they may see; administrators create, describe and delete
them (Nova's ``os_compute_api:os-flavor-manage:*``)."""

from consolehub.policies import base

INDEX = 'consolehub:flavors:index'
MANAGE = 'os_compute_api:os-flavor-manage:%s'
CREATE = MANAGE % 'create'
UPDATE = MANAGE % 'update'
DELETE = MANAGE % 'delete'

_FLAVORS = '/v2.1/flavors'
_FLAVOR = _FLAVORS + '/{flavor_id}'

rules = [
    base.project_rule(
        INDEX, '@', 'List and show the flavors the caller may see.',
        [{'method': 'GET', 'path': _FLAVORS},
         {'method': 'GET', 'path': _FLAVORS + '/detail'},
         {'method': 'GET', 'path': _FLAVOR}]),
    base.project_rule(CREATE, base.ADMIN, 'Create a flavor.',
                      [{'method': 'POST', 'path': _FLAVORS}]),
    base.project_rule(UPDATE, base.ADMIN,
                      "Change a flavor's description (2.55+).",
                      [{'method': 'PUT', 'path': _FLAVOR}]),
    base.project_rule(DELETE, base.ADMIN, 'Delete a flavor.',
                      [{'method': 'DELETE', 'path': _FLAVOR}]),
]


def list_rules():
    return rules
