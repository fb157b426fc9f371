"""Format every error once, in Nova's fault body.

Domain errors (:mod:`consolehub.exception`) carry the HTTP status they
mean; :func:`http_error` turns one into its ``webob.exc`` error, where the
router calls handlers and here for errors of the filters. Filters and the
API's edge (JSON Schema, media types, microversions) raise ``webob.exc``
errors themselves. :class:`FaultWrapper` turns every error, and any
unexpected exception, into ``{"<name>": {"code": N, "message": "..."}}``
with ``Content-Type: application/json`` (Nova API reference, "Faults"),
naming the fault by :data:`FAULT_NAMES`.
"""

import functools

from oslo_log import log as logging
from oslo_serialization import jsonutils
import webob.dec
import webob.exc

from consolehub.api import redaction
from consolehub import exception

LOG = logging.getLogger(__name__)

#: Where :func:`keeps_fault` leaves the error our code raised: middleware
#: between us and the wrapper (oslo.middleware's ``wsgify``) renders raised
#: errors into generic pages, losing the message.
FAULT_KEY = 'consolehub.fault'

#: HTTP status -> Nova's fault name; any other status (406 included,
#: as in Nova) is a "computeFault".
FAULT_NAMES = {
    400: 'badRequest',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'itemNotFound',
    405: 'badMethod',
    409: 'conflictingRequest',
    413: 'overLimit',
    415: 'badMediaType',
    429: 'overLimit',
    501: 'notImplemented',
    503: 'serviceUnavailable',
}


def _json_message(response):
    """The ``message`` of a ``{"<name>": {"message": ...}}`` body, or None."""
    if response.content_type != 'application/json':
        return None
    try:
        body = jsonutils.loads(response.body)
        [(_name, detail)] = body.items()
        return str(detail['message'])
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def fault_body(status_code, message):
    """The Nova fault dict for ``status_code`` with ``message``."""
    name = FAULT_NAMES.get(status_code, 'computeFault')
    return {name: {'code': status_code, 'message': message}}


def http_error(error):
    """The ``webob.exc`` error of a domain error (its ``code``, message
    and headers)."""
    return webob.exc.status_map[error.code](explanation=str(error),
                                            headers=dict(error.headers))


def fault_response(error):
    """A JSON response for a ``webob.exc.HTTPException``.

    Headers the error carries (``Allow`` on 405, ``Retry-After``) stay.
    """
    message = error.detail or error.explanation or error.title
    response = webob.Response(status=error.status)
    for name, value in error.headers.items():
        if name.lower() not in ('content-type', 'content-length'):
            response.headers[name] = value
    response.content_type = 'application/json'
    response.charset = 'utf-8'
    response.text = jsonutils.dumps(fault_body(error.code, message))
    return response


def keeps_fault(wsgi_call):
    """Decorate a WSGI ``__call__`` so that an error it raises reaches
    :class:`FaultWrapper` whole.

    A domain error becomes its ``webob.exc`` error (:func:`http_error`);
    either is kept in the environ, then raised: middleware between us and
    the wrapper (oslo.middleware's ``wsgify``) renders raised errors into
    generic pages, losing the message.
    """
    @functools.wraps(wsgi_call)
    def wrapper(self, environ, start_response):
        try:
            return wsgi_call(self, environ, start_response)
        except webob.exc.HTTPException as error:
            environ[FAULT_KEY] = error
            raise
        except exception.ConsoleHubException as error:
            converted = http_error(error)
            environ[FAULT_KEY] = converted
            raise converted from error
    return wrapper


class FaultWrapper(object):
    """WSGI middleware that turns exceptions into Nova-style faults."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        raised = None
        try:
            response = req.get_response(self.application)
        except exception.ConsoleHubException as error:
            raised = http_error(error)
        except webob.exc.HTTPException as error:
            raised = error
        except Exception:
            # The path as redaction shows it: req.path would decode it
            # (and could fail), and may hold a console token.
            LOG.exception('Unexpected error handling %s %s', req.method,
                          redaction.loggable_path(req.environ))
            return fault_response(webob.exc.HTTPInternalServerError(
                explanation='Unexpected API error; the request id tells '
                            'the operator where to look.'))
        if raised is not None:
            if raised.code >= 500:
                LOG.error('%s %s failed: %s', req.method,
                          redaction.loggable_path(req.environ),
                          raised.explanation)
            return fault_response(raised)
        if response.status_code < 400:
            return response
        error = req.environ.get(FAULT_KEY)
        if error is None:
            # Errors from other middleware (sizelimit, keystonemiddleware)
            # get the same body, keeping their headers and JSON message.
            error = webob.exc.status_map[response.status_code](
                headers=response.headers, detail=_json_message(response))
        return fault_response(error)

    @classmethod
    def factory(cls, global_conf, **local_conf):
        return cls
