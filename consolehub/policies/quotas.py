"""Policy defaults for Nova's ``os-quota-sets`` and ``limits``.

As Nova's defaults: a project's readers see its quotas and limits,
administrators set and reset them, anybody reads the defaults.
"""

from consolehub.policies import base

PREFIX = 'consolehub:os-quota-sets:%s'
SHOW = PREFIX % 'show'
DETAIL = PREFIX % 'detail'
DEFAULTS = PREFIX % 'defaults'
UPDATE = PREFIX % 'update'
DELETE = PREFIX % 'delete'
LIMITS = 'consolehub:limits'
LIMITS_OTHER_PROJECT = 'consolehub:limits:other_project'

_QUOTA_SET = '/v2.1/os-quota-sets/{project_id}'

rules = [
    base.project_rule(name, check, description, operations)
    for name, check, description, operations in [
        (SHOW, base.PROJECT_READER_OR_ADMIN, "Show a project's quotas.",
         [{'method': 'GET', 'path': _QUOTA_SET}]),
        (DETAIL, base.PROJECT_READER_OR_ADMIN,
         "Show a project's quotas with their usage.",
         [{'method': 'GET', 'path': _QUOTA_SET + '/detail'}]),
        (DEFAULTS, '@', 'Show the default quotas.',
         [{'method': 'GET', 'path': _QUOTA_SET + '/defaults'}]),
        (UPDATE, base.ADMIN, "Set a project's quotas.",
         [{'method': 'PUT', 'path': _QUOTA_SET}]),
        (DELETE, base.ADMIN, "Reset a project's quotas to the defaults.",
         [{'method': 'DELETE', 'path': _QUOTA_SET}]),
        (LIMITS, '@', "Show the caller's project's limits and usage.",
         [{'method': 'GET', 'path': '/v2.1/limits'}]),
        (LIMITS_OTHER_PROJECT, base.ADMIN,
         "Show another project's limits (tenant_id).",
         [{'method': 'GET', 'path': '/v2.1/limits'}]),
    ]
]


def list_rules():
    return rules
