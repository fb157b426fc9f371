"""The filter answering the public paths before authentication.

Version discovery (``GET /``, ``/v2``, ``/v2/``, ``/v2.1``, ``/v2.1/``)
and the OpenAPI document answer without a token, as clients read them
before they have one; :data:`consolehub.api.router.PUBLIC_ROUTES` lists
them. So do the dashboard's files
(:data:`consolehub.api.router.DASHBOARD_ROUTES`): a browser loads the
page before its user signs in.
"""

import webob
import webob.exc

from consolehub.api.middleware import fault
from consolehub.api import router


class Discovery(object):
    """WSGI filter answering the public paths itself (GET or HEAD)."""

    def __init__(self, application, routes=None):
        self.application = application
        self.routes = routes or dict(router.PUBLIC_ROUTES,
                                     **router.DASHBOARD_ROUTES)

    @fault.keeps_fault
    def __call__(self, environ, start_response):
        req = webob.Request(environ)
        handler = self.routes.get(req.path_info or '/')
        if handler is None:
            return self.application(environ, start_response)
        if req.method not in ('GET', 'HEAD'):
            raise webob.exc.HTTPMethodNotAllowed(
                explanation='The method %s is not allowed here; use GET.'
                            % req.method,
                headers={'Allow': 'GET, HEAD'})
        return handler(req)(environ, start_response)

    @classmethod
    def factory(cls, global_conf, **local_conf):
        return cls
