"""An image's data: ``PUT`` and ``GET /image/v2/images/{image_id}/file``
(Image service API v2 reference, "Image data").

Uploads stream to the store in chunks, never whole in memory; their
length is bounded by ``[image] max_image_size`` here rather than by
``[oslo_middleware] max_request_body_size``
(:mod:`consolehub.api.middleware.sizelimit` lets them through). Both
``Content-Length`` and chunked transfer encoding are read.
"""

import webob
import webob.exc

from consolehub.api import util
from consolehub.image import api as image_api
from consolehub.policies import images as image_policies
from consolehub import policy

MEDIA_TYPE = 'application/octet-stream'


def _is_chunked(req):
    return 'chunked' in req.headers.get('Transfer-Encoding', '').lower()


class _UwsgiChunks(object):
    """A chunked request body under uwsgi, read with ``read(size)``.

    cheroot decodes chunked bodies into ``wsgi.input``; uwsgi leaves
    ``wsgi.input`` empty and hands out the chunks with
    ``uwsgi.chunked_read()`` (uwsgi's "Chunked input API"), each up to
    its ``chunked-input-limit``, ``b''`` after the last.
    """

    def __init__(self, uwsgi):
        self._uwsgi = uwsgi
        self._pending = b''

    def read(self, size):
        if not self._pending:
            try:
                self._pending = self._uwsgi.chunked_read()
            except IOError as error:
                raise OSError(str(error)) from error
        chunk, self._pending = self._pending[:size], self._pending[size:]
        return chunk


def _body(req):
    """The request body as an object with ``read(size)``."""
    if _is_chunked(req) and 'uwsgi.version' in req.environ:
        import uwsgi  # only importable inside uwsgi
        return _UwsgiChunks(uwsgi)
    return req.environ['wsgi.input']


def upload_image_data(req):
    """``PUT .../file`` (``application/octet-stream``) -> 204; the image
    becomes ``active``.

    409 unless the image is ``queued``; 413 over ``[image]
    max_image_size`` or when the data does not fit the owner's
    ``image_size_total`` quota (with ``Content-Length`` before anything
    is read; chunked, once the running total passes it); 415 for
    another media type and for data that is not a safe image of its
    ``disk_format``; 400 for a body that ends early.
    After any failure the image is ``queued`` and nothing is stored.
    """
    context = util.request_context(req)
    image = image_api.get(context, req.urlvars['image_id'])
    policy.authorize(context, image_policies.UPLOAD,
                     {'project_id': image['owner']})
    if req.content_type.lower() != MEDIA_TYPE:
        raise webob.exc.HTTPUnsupportedMediaType(
            explanation='Image data must be sent as %s.' % MEDIA_TYPE)
    expected_size = req.content_length
    if expected_size is None and not _is_chunked(req):
        raise webob.exc.HTTPLengthRequired(
            explanation='Send Content-Length or a chunked body.')
    image_api.upload(context, image['uuid'], _body(req), expected_size)
    return util.json_response(req, None, 204)


def download_image_data(req):
    """``GET .../file`` -> 200 the bytes (``Content-MD5`` is the
    checksum), or 204 while the image has no data."""
    context = util.request_context(req)
    policy.authorize(context, image_policies.DOWNLOAD,
                     {'project_id': context.project_id})
    image, chunks = image_api.data(context, req.urlvars['image_id'])
    if chunks is None:
        return util.json_response(req, None, 204)
    response = webob.Response(app_iter=chunks, content_type=MEDIA_TYPE)
    response.content_length = image['size']
    response.headers['Content-MD5'] = image['checksum']
    return response
