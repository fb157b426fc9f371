"""Nova's ``GET /v2.1/os-console-auth-tokens/{console_token}``.

An administrator (or an external console proxy holding an admin token)
learns where a console token leads: ``instance_uuid``, ``host``,
``port`` and ``internal_access_path``. Looking a token up does not use it
up; with ``[consoleauth] single_use`` a token a console session already
used is not found. Before microversion 2.31 Nova shows only RDP tokens,
so every one of ours answers 401 there, as Nova's does.
"""

import webob.exc

from consolehub.api import microversion
from consolehub.api import util
from consolehub.conf import CONF
from consolehub import context as consolehub_context
from consolehub import exception
from consolehub.objects import console_auth_token
from consolehub.policies import servers as server_policies


def show_console_auth_token(req):
    """-> 200 ``{"console": {instance_uuid, host, port,
    internal_access_path}}``; 404 for an unknown or expired token."""
    util.authorize_own_project(req, server_policies.CONSOLE_AUTH_TOKEN)
    row = console_auth_token.validate(consolehub_context.get_admin_context(),
                                      req.urlvars['console_token'])
    if CONF.consoleauth.single_use and row.get('used_at') is not None:
        raise exception.InvalidToken()
    if (not microversion.is_at_least(req, '2.31') and
            row['console_type'] != 'rdp-html5'):
        raise webob.exc.HTTPUnauthorized(
            explanation='Before microversion 2.31 only RDP console tokens '
                        'can be shown.')
    return util.json_response(req, {'console': {
        'instance_uuid': row['instance_uuid'], 'host': row['host'],
        'port': row['port'],
        'internal_access_path': row['internal_access_path']}})
