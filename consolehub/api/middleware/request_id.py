"""Request ids: ``x-openstack-request-id`` and, as Nova's API also sends
it, ``x-compute-request-id`` on every response."""

from oslo_middleware import request_id


class ComputeRequestId(request_id.RequestId):
    """oslo.middleware's RequestId with Nova's compatibility header."""

    compat_headers = ['x-compute-request-id']
