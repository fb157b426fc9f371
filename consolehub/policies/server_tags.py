"""Policy defaults for a server's tags (``/v2.1/servers/{server_id}/
tags``, 2.26+), as Nova's secure-RBAC defaults for
``os_compute_api:os-server-tags``: the project's readers list and check
them, its members change them. The target is the server's project.
"""

from consolehub.policies import base

PREFIX = 'consolehub:server-tags:%s'
INDEX = PREFIX % 'index'
SHOW = PREFIX % 'show'
UPDATE_ALL = PREFIX % 'update_all'
UPDATE = PREFIX % 'update'
DELETE_ALL = PREFIX % 'delete_all'
DELETE = PREFIX % 'delete'

_TAGS = '/v2.1/servers/{server_id}/tags'
_TAG = _TAGS + '/{tag}'

rules = [
    base.project_rule(INDEX, base.PROJECT_READER_OR_ADMIN,
                      "List a server's tags.",
                      [{'method': 'GET', 'path': _TAGS}]),
    base.project_rule(SHOW, base.PROJECT_READER_OR_ADMIN,
                      'Check whether a server has a tag.',
                      [{'method': 'GET', 'path': _TAG}]),
    base.project_rule(UPDATE_ALL, base.PROJECT_MEMBER_OR_ADMIN,
                      "Replace a server's tags.",
                      [{'method': 'PUT', 'path': _TAGS}]),
    base.project_rule(UPDATE, base.PROJECT_MEMBER_OR_ADMIN,
                      'Add one tag to a server.',
                      [{'method': 'PUT', 'path': _TAG}]),
    base.project_rule(DELETE_ALL, base.PROJECT_MEMBER_OR_ADMIN,
                      "Remove every tag of a server.",
                      [{'method': 'DELETE', 'path': _TAGS}]),
    base.project_rule(DELETE, base.PROJECT_MEMBER_OR_ADMIN,
                      'Remove one tag of a server.',
                      [{'method': 'DELETE', 'path': _TAG}]),
]


def list_rules():
    return rules
