"""Policy defaults for Nova's flavor extra specs (``os-extra_specs``):
a project's readers read them (and see them in flavor views, 2.61+),
administrators change them (``os_compute_api:os-flavor-extra-specs:*``).
"""

from consolehub.policies import base

PREFIX = 'os_compute_api:os-flavor-extra-specs:%s'
INDEX = PREFIX % 'index'
SHOW = PREFIX % 'show'
CREATE = PREFIX % 'create'
UPDATE = PREFIX % 'update'
DELETE = PREFIX % 'delete'

_SPECS = '/v2.1/flavors/{flavor_id}/os-extra_specs'
_SPEC = _SPECS + '/{flavor_extra_spec_key}'

rules = [
    base.project_rule(
        INDEX, base.PROJECT_READER_OR_ADMIN,
        "List a flavor's extra specs; see them in flavor views (2.61+).",
        [{'method': 'GET', 'path': _SPECS},
         {'method': 'GET', 'path': '/v2.1/flavors/detail'},
         {'method': 'GET', 'path': '/v2.1/flavors/{flavor_id}'}]),
    base.project_rule(SHOW, base.PROJECT_READER_OR_ADMIN,
                      'Show one extra spec of a flavor.',
                      [{'method': 'GET', 'path': _SPEC}]),
    base.project_rule(CREATE, base.ADMIN,
                      'Add or change extra specs of a flavor.',
                      [{'method': 'POST', 'path': _SPECS}]),
    base.project_rule(UPDATE, base.ADMIN, 'Change one extra spec.',
                      [{'method': 'PUT', 'path': _SPEC}]),
    base.project_rule(DELETE, base.ADMIN, 'Delete one extra spec.',
                      [{'method': 'DELETE', 'path': _SPEC}]),
]


def list_rules():
    return rules
