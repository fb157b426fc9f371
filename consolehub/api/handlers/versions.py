"""Version discovery: ``GET /``, ``GET /v2.1`` and ``GET /v2.1/``.

``GET /`` lists v2.0 (SUPPORTED) and v2.1 (CURRENT), as Nova does, and
``GET /v2`` describes v2.0 so that its link resolves; but only v2.1 is
served: nothing below ``/v2/`` is (clients pick v2.1, the highest).

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

#: Where Nova serves v2.0, and when it first appeared, as Nova dates it.
LEGACY_PREFIX = '/v2'
LEGACY_UPDATED = '2011-01-21T11:33:21Z'


def legacy_version_document(req):
    """Nova's description of v2.0: no microversions."""
    return {
        'id': 'v2.0',
        'status': 'SUPPORTED',
        'version': '',
        'min_version': '',
        'updated': LEGACY_UPDATED,
        'links': [{'rel': 'self',
                   'href': req.application_url + LEGACY_PREFIX + '/'}],
    }


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
    """``GET /``: every API version, v2.0 then v2.1 (Nova's "List All
    Major Versions")."""
    return util.json_response(req, {'versions': [
        legacy_version_document(req), version_document(req)]})


def show_legacy_version(req):
    """``GET /v2`` and ``GET /v2/``: v2.0 and its media type (Nova's
    "Show Details of Specific API Version")."""
    document = legacy_version_document(req)
    document['media-types'] = [{
        'base': 'application/json',
        'type': 'application/vnd.openstack.compute+json;version=2'}]
    return util.json_response(req, {'version': document})


def show_version(req):
    """``GET /v2.1`` and ``GET /v2.1/``: v2.1 and its media type."""
    document = version_document(req)
    document['media-types'] = [{
        'base': 'application/json',
        'type': 'application/vnd.openstack.compute+json;version=2.1'}]
    return util.json_response(req, {'version': document})
