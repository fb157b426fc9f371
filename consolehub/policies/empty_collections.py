"""Policy defaults for the Nova collections consolehub answers empty
(host aggregates, server groups, migrations): Nova's defaults, so that a
caller Nova would refuse is refused here too."""

from consolehub.policies import base

AGGREGATES = 'consolehub:os-aggregates:index'
SERVER_GROUPS = 'consolehub:os-server-groups:index'
SERVER_GROUP = 'consolehub:os-server-groups:show'
MIGRATIONS = 'consolehub:os-migrations:index'

rules = [
    base.project_rule(name, check, description,
                      [{'method': 'GET', 'path': path}])
    for name, check, description, path in [
        (AGGREGATES, base.ADMIN, 'List the host aggregates (none).',
         '/v2.1/os-aggregates'),
        (SERVER_GROUPS, base.PROJECT_READER_OR_ADMIN,
         'List the server groups (none).', '/v2.1/os-server-groups'),
        (SERVER_GROUP, base.PROJECT_READER_OR_ADMIN,
         'Show a server group (none exists: 404).',
         '/v2.1/os-server-groups/{server_group_id}'),
        (MIGRATIONS, base.ADMIN, 'List the migrations (none).',
         '/v2.1/os-migrations'),
    ]
]


def list_rules():
    return rules
