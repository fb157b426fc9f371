"""Policy defaults for a server's metadata (``/v2.1/servers/{server_id}/
metadata``), as Nova's secure-RBAC defaults: the project's readers list
and show it, its members change it. The target is the server's project.
"""

from consolehub.policies import base

PREFIX = 'consolehub:server-metadata:%s'
INDEX = PREFIX % 'index'
SHOW = PREFIX % 'show'
CREATE = PREFIX % 'create'
UPDATE_ALL = PREFIX % 'update_all'
UPDATE = PREFIX % 'update'
DELETE = PREFIX % 'delete'

_METADATA = '/v2.1/servers/{server_id}/metadata'
_ITEM = _METADATA + '/{key}'

rules = [
    base.project_rule(INDEX, base.PROJECT_READER_OR_ADMIN,
                      "List a server's metadata.",
                      [{'method': 'GET', 'path': _METADATA}]),
    base.project_rule(SHOW, base.PROJECT_READER_OR_ADMIN,
                      'Show one metadata item of a server.',
                      [{'method': 'GET', 'path': _ITEM}]),
    base.project_rule(CREATE, base.PROJECT_MEMBER_OR_ADMIN,
                      "Merge items into a server's metadata.",
                      [{'method': 'POST', 'path': _METADATA}]),
    base.project_rule(UPDATE_ALL, base.PROJECT_MEMBER_OR_ADMIN,
                      "Replace a server's metadata.",
                      [{'method': 'PUT', 'path': _METADATA}]),
    base.project_rule(UPDATE, base.PROJECT_MEMBER_OR_ADMIN,
                      'Set one metadata item of a server.',
                      [{'method': 'PUT', 'path': _ITEM}]),
    base.project_rule(DELETE, base.PROJECT_MEMBER_OR_ADMIN,
                      'Delete one metadata item of a server.',
                      [{'method': 'DELETE', 'path': _ITEM}]),
]


def list_rules():
    return rules
