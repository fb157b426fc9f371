"""Helpers every handler uses: JSON in, JSON out, the request context."""

import json

import jsonschema
from oslo_serialization import jsonutils
import webob
import webob.exc

from consolehub.api.middleware import decoding
from consolehub import policy


#: Where the router leaves the compute API for handlers.
COMPUTE_API_KEY = 'consolehub.compute_api'


def compute_api(req):
    """The :class:`consolehub.compute.api.API` serving this request."""
    return req.environ[COMPUTE_API_KEY]


def request_context(req):
    """The RequestContext the auth filter attached to ``req``."""
    return req.environ['consolehub.context']


def json_response(req, body, status=200):
    """A ``webob.Response`` with ``body`` (a dict) as JSON, or no body."""
    # A new response: ``req.response`` only exists under ``wsgify``.
    response = webob.Response()
    response.status = status
    if body is None:
        response.content_type = None
        return response
    response.content_type = 'application/json'
    response.charset = 'utf-8'
    response.text = jsonutils.dumps(body)
    return response


def _describe(error):
    path = '/'.join(str(part) for part in error.absolute_path)
    where = "field '%s'" % path if path else 'the request'
    return 'Invalid input for %s: %s' % (where, error.message)


def _is_integer(checker, instance):
    # Draft 2020-12 counts 64.0 as an integer; like Nova's draft 4 schemas
    # we want a JSON integer, so that the float never reaches a response.
    return isinstance(instance, int) and not isinstance(instance, bool)


_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
        'integer', _is_integer))


def validate(data, schema):
    """Validate ``data`` against a JSON Schema (draft 2020-12).

    ``integer`` means a JSON integer: ``64.0`` is refused.

    :raises webob.exc.HTTPBadRequest: naming the first failing field.
    """
    validator = _Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        raise webob.exc.HTTPBadRequest(explanation=_describe(error))


def extract_json(req, schema):
    """The request's JSON body, validated against ``schema``.

    :raises webob.exc.HTTPUnsupportedMediaType: if it is not JSON.
    :raises webob.exc.HTTPBadRequest: if it is not UTF-8, does not parse,
        has a string with a lone surrogate or U+0000 (the API's decoding
        policy, :mod:`consolehub.api.middleware.decoding`), or does not
        validate.
    """
    # Media types are case-insensitive (RFC 9110, 8.3.1).
    if req.content_type.lower() != 'application/json':
        raise webob.exc.HTTPUnsupportedMediaType(
            explanation='The request body must be application/json.')
    return json_body(req, schema)


def json_body(req, schema):
    """The request's body parsed as JSON, whatever its media type, and
    validated against ``schema``.

    :raises webob.exc.HTTPBadRequest: if it is not UTF-8, does not parse,
        has a string with a lone surrogate or U+0000 (the API's decoding
        policy, :mod:`consolehub.api.middleware.decoding`), or does not
        validate.
    """
    # JSON is UTF-8 (RFC 8259, 8.1): decode it so, under the API's one
    # decoding policy, rather than let json.loads guess UTF-16 or -32.
    text = decoding.decode_octets(req.body, 'request body')
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        # RecursionError: arrays or objects nested too deep to decode.
        raise webob.exc.HTTPBadRequest(
            explanation='Malformed JSON in request body: %s' % error)
    decoding.check_json_text(data)
    validate(data, schema)
    return data


def isotime(value):
    """ISO 8601 UTC text for a naive UTC datetime, or None."""
    return value.strftime('%Y-%m-%dT%H:%M:%SZ') if value else None


def instance_for(req, instance_id, rule):
    """The instance ``instance_id`` (dict), authorized for ``rule``.

    :raises InstanceNotFound: it is not the caller's (or gone).
    :raises PolicyNotAuthorized: policy denies ``rule`` on it.
    """
    instance = compute_api(req).get(request_context(req), instance_id)
    authorize_for_instance(req, rule, instance)
    return instance


def authorize_for_instance(req, rule, instance):
    """Authorize ``rule`` on ``instance`` (a dict, its ``project_id``).

    :raises PolicyNotAuthorized: policy denies it.
    """
    policy.authorize(request_context(req), rule,
                     {'project_id': instance['project_id']})


def authorize_own_project(req, rule):
    """Authorize ``rule`` on the caller's own project; returns the context.

    :raises PolicyNotAuthorized: policy denies it.
    """
    context = request_context(req)
    policy.authorize(context, rule, {'project_id': context.project_id})
    return context
