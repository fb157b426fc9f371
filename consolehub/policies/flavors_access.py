"""Policy defaults for Nova's flavor access lists (``os-flavor-access``):
administrators read and change which projects see a private flavor.

``os_compute_api:os-flavor-access`` also lets a flavor list's
``is_public`` filter reach private flavors (``false``, ``none``), as in
Nova.
"""

from consolehub.policies import base

ACCESS = 'os_compute_api:os-flavor-access'
ADD = ACCESS + ':add_tenant_access'
REMOVE = ACCESS + ':remove_tenant_access'

_ACTION = [{'method': 'POST', 'path': '/v2.1/flavors/{flavor_id}/action'}]

rules = [
    base.project_rule(
        ACCESS, base.ADMIN,
        "List a private flavor's access list; list private flavors with "
        'the is_public filter.',
        [{'method': 'GET',
          'path': '/v2.1/flavors/{flavor_id}/os-flavor-access'},
         {'method': 'GET', 'path': '/v2.1/flavors'},
         {'method': 'GET', 'path': '/v2.1/flavors/detail'}]),
    base.project_rule(ADD, base.ADMIN,
                      'Share a private flavor with a project '
                      '(addTenantAccess).', _ACTION),
    base.project_rule(REMOVE, base.ADMIN,
                      'Stop sharing a private flavor with a project '
                      '(removeTenantAccess).', _ACTION),
]


def list_rules():
    return rules
