"""Version discovery: ``GET /``, ``GET /v2.1`` and ``GET /v2.1/``.

Clients (keystoneauth, novaclient, openstacksdk) read these documents to
learn which microversions we serve, so they answer without a token. The
``self`` link is built from the host the client used; behind a proxy
with ``[oslo_middleware] enable_proxy_headers_parsing`` that is the
proxy's ``X-Forwarded-Host``/``-Proto`` (oslo.middleware's
``http_proxy_to_wsgi`` runs first).

The OpenAPI document of the API is public too, at ``/v2.1/openapi.json``.
"""

import webob
import webob.exc

from consolehub.api.middleware import fault
from consolehub.api import microversion
from consolehub.api import util

#: When the v2.1 API first appeared, as Nova dates it.
UPDATED = '2013-07-23T11:33:21Z'

OPENAPI_PATH = microversion.PREFIX + '/openapi.json'


def version_document(req):
    """Nova's description of v2.1, linking to it on ``req``'s host."""
    return {
        'id': 'v2.1',
        'status': 'CURRENT',
        'version': str(microversion.MAX_VERSION),
        'min_version': str(microversion.MIN_VERSION),
        'updated': UPDATED,
        'links': [{'rel': 'self',
                   'href': req.application_url + microversion.PREFIX + '/'}],
    }


def show_versions(req):
    """``GET /``: every API version (only v2.1)."""
    return util.json_response(req, {'versions': [version_document(req)]})


def show_version(req):
    """``GET /v2.1`` and ``GET /v2.1/``: v2.1 and its media type."""
    document = version_document(req)
    document['media-types'] = [{
        'base': 'application/json',
        'type': 'application/vnd.openstack.compute+json;version=2.1'}]
    return util.json_response(req, {'version': document})


def show_openapi(req):
    """``GET /v2.1/openapi.json``: the OpenAPI 3.1 document of the API."""
    # Imported here: the document covers the router's routes.
    from consolehub.api import openapi
    return util.json_response(req, openapi.document(req.application_url))


#: Public paths -> handler; every other path goes on to authentication.
PUBLIC = {
    '/': show_versions,
    microversion.PREFIX: show_version,
    microversion.PREFIX + '/': show_version,
    OPENAPI_PATH: show_openapi,
}


class Discovery(object):
    """WSGI filter answering :data:`PUBLIC` paths itself (GET or HEAD)."""

    def __init__(self, application):
        self.application = application

    @fault.keeps_fault
    def __call__(self, environ, start_response):
        req = webob.Request(environ)
        handler = PUBLIC.get(req.path_info or '/')
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
