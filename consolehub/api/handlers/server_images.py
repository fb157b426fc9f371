"""Nova's ``createImage`` server action: a snapshot of the server's disk.

``POST /v2.1/servers/{server_id}/action`` with ``{"createImage": {"name",
"metadata"}}`` answers 202 with no body and the new image's URL in
``Location`` before microversion 2.45, and from 2.45 with ``{"image_id":
"<uuid>"}`` and no ``Location``, as Nova; the image is ``queued``
until the compute host has copied the disk into it, then ``active``.
Horizon's "Create Snapshot" row action calls it.
"""

from consolehub.api.handlers import images as image_handlers
from consolehub.api import microversion
from consolehub.api import util
from consolehub.api.views import images as image_views


def create_image(req, instance, _name, body):
    """Run ``createImage`` on ``instance`` (see the module docstring)."""
    action = body['createImage']
    image = util.compute_api(req).snapshot(
        util.request_context(req), instance, action['name'],
        action.get('metadata', {}))
    if microversion.is_at_least(req, '2.45'):
        return util.json_response(req, {'image_id': image['uuid']}, 202)
    response = util.json_response(req, None, 202)
    response.location = '%s%s%s' % (
        req.application_url, image_handlers.PREFIX,
        image_views.image_href(image['uuid']))
    return response
