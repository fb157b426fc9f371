"""Policy defaults for Nova's ``os-simple-tenant-usage``: as Nova's,
administrators see every project's usage, a project's readers its own."""

from consolehub.policies import base

PREFIX = 'consolehub:os-simple-tenant-usage:%s'
LIST = PREFIX % 'list'
SHOW = PREFIX % 'show'

_USAGE = '/v2.1/os-simple-tenant-usage'

rules = [
    base.project_rule(LIST, base.ADMIN,
                      "List every project's usage over a period.",
                      [{'method': 'GET', 'path': _USAGE}]),
    base.project_rule(SHOW, base.PROJECT_READER_OR_ADMIN,
                      "Show a project's usage over a period.",
                      [{'method': 'GET', 'path': _USAGE + '/{project_id}'}]),
]


def list_rules():
    return rules
