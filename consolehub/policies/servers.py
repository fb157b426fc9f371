"""Policy defaults for the Nova-compatible /v2.1 servers and console auth
tokens."""

from consolehub.policies import base

PREFIX = 'consolehub:servers:%s'
ALL_TENANTS = PREFIX % 'index:get_all_tenants'
EXTENDED_ATTRIBUTES = PREFIX % 'show:extended-attributes'
HOST_STATUS = PREFIX % 'show:host-status'
CONSOLE_AUTH_TOKEN = 'consolehub:os-console-auth-tokens:show'
IPS_INDEX = 'consolehub:ips:index'
IPS_SHOW = 'consolehub:ips:show'
VOLUME_ATTACHMENTS_INDEX = 'consolehub:os-volumes-attachments:index'

_SERVERS = '/v2.1/servers'
_SERVER = '/v2.1/servers/{server_id}'
_VIEWS = [{'method': 'GET', 'path': _SERVERS},
          {'method': 'GET', 'path': _SERVERS + '/detail'},
          {'method': 'GET', 'path': _SERVER}]

rules = [
    base.project_rule(PREFIX % name, check, description, operations)
    for name, check, description, operations in [
        ('index', base.PROJECT_READER_OR_ADMIN, 'List servers.',
         [{'method': 'GET', 'path': _SERVERS}]),
        ('detail', base.PROJECT_READER_OR_ADMIN, 'List servers in detail.',
         [{'method': 'GET', 'path': _SERVERS + '/detail'}]),
        ('index:get_all_tenants', base.ADMIN,
         'List the servers of every project (all_tenants).', _VIEWS[:2]),
        ('show', base.PROJECT_READER_OR_ADMIN, 'Show a server.',
         [{'method': 'GET', 'path': _SERVER}]),
        ('show:extended-attributes', base.ADMIN,
         'See OS-EXT-SRV-ATTR:* (the host) in server views.', _VIEWS),
        ('show:host-status', base.ADMIN,
         'See host_status in server views (2.16+).', _VIEWS),
        ('create', base.PROJECT_MEMBER_OR_ADMIN, 'Create a server.',
         [{'method': 'POST', 'path': _SERVERS}]),
        ('update', base.PROJECT_MEMBER_OR_ADMIN,
         'Rename a server, or change its description or access addresses.',
         [{'method': 'PUT', 'path': _SERVER}]),
        ('delete', base.PROJECT_MEMBER_OR_ADMIN, 'Delete a server.',
         [{'method': 'DELETE', 'path': _SERVER}]),
    ]
] + [
    base.project_rule(
        IPS_INDEX, base.PROJECT_READER_OR_ADMIN,
        "List a server's addresses (it has none: no networks exist).",
        [{'method': 'GET', 'path': _SERVER + '/ips'}]),
    base.project_rule(
        IPS_SHOW, base.PROJECT_READER_OR_ADMIN,
        "Show a server's addresses on one network.",
        [{'method': 'GET', 'path': _SERVER + '/ips/{network_label}'}]),
    base.project_rule(
        VOLUME_ATTACHMENTS_INDEX, base.PROJECT_READER_OR_ADMIN,
        "List a server's volume attachments (it has none: no volumes "
        'exist).',
        [{'method': 'GET', 'path': _SERVER + '/os-volume_attachments'}]),
    base.project_rule(
        CONSOLE_AUTH_TOKEN, base.ADMIN,
        'Show the connection a console auth token grants, for an external '
        'console proxy.',
        [{'method': 'GET',
          'path': '/v2.1/os-console-auth-tokens/{console_token}'}]),
]


def list_rules():
    return rules
