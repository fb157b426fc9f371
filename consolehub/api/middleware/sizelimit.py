"""oslo.middleware's request body limit, but for image uploads.

``[oslo_middleware] max_request_body_size`` (112 KiB by default) bounds
every JSON body. An image upload (``PUT /image/v2/images/{id}/file``) is
gigabytes of data streamed to the store; its bound is ``[image]
max_image_size``, which :mod:`consolehub.api.handlers.image_data`
applies while it reads.
"""

import re

from oslo_middleware import sizelimit

#: The one path whose body the image API bounds itself.
IMAGE_DATA_PATH = re.compile(r'^/image/v2/images/[^/]+/file/?\Z')


class RequestBodySizeLimiter(sizelimit.RequestBodySizeLimiter):
    """Refuses bodies over ``max_request_body_size`` (413), except image
    data uploads."""

    def __call__(self, environ, start_response):
        if (environ.get('REQUEST_METHOD') == 'PUT' and
                IMAGE_DATA_PATH.match(environ.get('PATH_INFO', ''))):
            return self.application(environ, start_response)
        return super().__call__(environ, start_response)
