"""Version discovery: ``GET /``, ``GET /v2.1`` and ``GET /v2.1/``.

Clients (keystoneauth, novaclient, openstacksdk) read these documents to
learn which microversions we serve, so they answer without a token. The
``self`` link is built from the host the client used; behind a proxy
with ``[oslo_middleware] enable_proxy_headers_parsing`` that is the
proxy's ``X-Forwarded-Host``/``-Proto`` (oslo.middleware's
``http_proxy_to_wsgi`` runs first).

The OpenAPI document of the API is public too, at ``/v2.1/openapi.json``;
:data:`consolehub.api.router.PUBLIC_ROUTES` lists these paths and
:class:`consolehub.api.middleware.discovery.Discovery` serves them.
"""

from consolehub.api import microversion
from consolehub.api import util

#: When the v2.1 API first appeared, as Nova dates it.
UPDATED = '2013-07-23T11:33:21Z'


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
