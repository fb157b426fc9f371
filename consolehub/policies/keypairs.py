"""Policy defaults for Nova's ``os-keypairs``.

As Nova's ``os_compute_api:os-keypairs:*``: a user manages their own key
pairs, an administrator anybody's (``user_id``, 2.10+). The target is
the key pair's ``user_id``, not a project: key pairs belong to users.
"""

from consolehub.policies import base

PREFIX = 'consolehub:os-keypairs:%s'
INDEX = PREFIX % 'index'
CREATE = PREFIX % 'create'
SHOW = PREFIX % 'show'
DELETE = PREFIX % 'delete'

#: The key pair's owner, or an administrator.
ADMIN_OR_KEYPAIR_OWNER = '%s or user_id:%%(user_id)s' % base.ADMIN

_KEYPAIRS = '/v2.1/os-keypairs'
_KEYPAIR = _KEYPAIRS + '/{keypair_name}'

rules = [
    base.project_rule(name, ADMIN_OR_KEYPAIR_OWNER, description, operations)
    for name, description, operations in [
        (INDEX, "List a user's key pairs.",
         [{'method': 'GET', 'path': _KEYPAIRS}]),
        (CREATE, 'Create or import a key pair for a user.',
         [{'method': 'POST', 'path': _KEYPAIRS}]),
        (SHOW, 'Show a key pair.', [{'method': 'GET', 'path': _KEYPAIR}]),
        (DELETE, 'Delete a key pair.',
         [{'method': 'DELETE', 'path': _KEYPAIR}]),
    ]
]


def list_rules():
    return rules
