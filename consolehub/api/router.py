"""Every route of the API, declared as data in one place.

Paths map HTTP methods to handler functions taking a ``webob.Request`` and
returning a ``webob.Response``. An unknown path is a 404; a known path
with another method is a 405 whose ``Allow`` header lists the methods.
"""

import routes
import webob
import webob.exc

from consolehub.api.handlers import console_auth_tokens
from consolehub.api.handlers import console_sessions
from consolehub.api.handlers import flavors
from consolehub.api.handlers import instance
from consolehub.api.handlers import remote_console
from consolehub.api.handlers import server_consoles
from consolehub.api.handlers import servers
from consolehub.api.handlers import service
from consolehub.api.middleware import fault
from consolehub.api import util
from consolehub.compute import api as compute_api

ROUTE_DECLARATIONS = {
    '/instances': {
        'GET': instance.list_instances,
        'POST': instance.create_instance,
    },
    '/instances/{instance_id}': {
        'GET': instance.show_instance,
        'PUT': instance.update_instance,
        'DELETE': instance.delete_instance,
    },
    '/instances/{server_id}/remote-consoles': {
        'POST': remote_console.create_remote_console,
    },
    '/servers/{server_id}/remote-consoles': {
        'POST': remote_console.create_remote_console,
    },
    '/instances/{server_id}/console-sessions': {
        'GET': console_sessions.list_console_sessions,
    },
    '/instances/{server_id}/console-sessions/{session_id}': {
        'DELETE': console_sessions.delete_console_session,
    },
    '/servers/{server_id}/console-sessions': {
        'GET': console_sessions.list_console_sessions,
    },
    '/servers/{server_id}/console-sessions/{session_id}': {
        'DELETE': console_sessions.delete_console_session,
    },
    '/os-services': {
        'GET': service.list_services,
    },
    # Nova's compute API (microversions: consolehub/api/microversion.py).
    '/v2.1/servers': {
        'GET': servers.list_servers,
        'POST': servers.create_server,
    },
    '/v2.1/servers/detail': {'GET': servers.list_servers_detail},
    '/v2.1/servers/{server_id}': {
        'GET': servers.show_server,
        'DELETE': servers.delete_server,
    },
    '/v2.1/servers/{server_id}/action': {
        'POST': server_consoles.server_action,
    },
    '/v2.1/servers/{server_id}/remote-consoles': {
        'POST': server_consoles.create_remote_console,
    },
    '/v2.1/flavors': {'GET': flavors.list_flavors},
    '/v2.1/flavors/detail': {'GET': flavors.list_flavors_detail},
    '/v2.1/flavors/{flavor_id}': {'GET': flavors.show_flavor},
    '/v2.1/os-console-auth-tokens/{console_token}': {
        'GET': console_auth_tokens.show_console_auth_token,
    },
}


def _method_not_allowed(allowed):
    def handler(req):
        raise webob.exc.HTTPMethodNotAllowed(
            explanation='The method %s is not allowed here; use %s.' % (
                req.method, ', '.join(allowed)),
            headers={'Allow': ', '.join(allowed)})
    return handler


def make_map(declarations):
    """A ``routes.Mapper`` for ``declarations`` (path -> {method: func})."""
    mapper = routes.Mapper()
    for path, methods in declarations.items():
        for method, handler in methods.items():
            mapper.connect(path, action=handler,
                           conditions={'method': [method]})
        mapper.connect(path, action=_method_not_allowed(sorted(methods)))
    return mapper


class Router(object):
    """WSGI app dispatching to the handler ``ROUTE_DECLARATIONS`` names.

    It owns the compute API the handlers call (``util.compute_api``).
    """

    def __init__(self, declarations=None):
        self._map = make_map(declarations or ROUTE_DECLARATIONS)
        self._compute_api = compute_api.API()

    @fault.keeps_fault
    def __call__(self, environ, start_response):
        environ[util.COMPUTE_API_KEY] = self._compute_api
        req = webob.Request(environ)
        match = self._map.match(environ=environ)
        if match is None:
            raise webob.exc.HTTPNotFound(
                explanation='The resource could not be found.')
        handler = match.pop('action')
        req.urlvars = match
        return handler(req)(environ, start_response)
