"""A property-based fuzz of the whole API from its own OpenAPI document.

schemathesis reads ``/v2.1/openapi.json`` from the API itself and, for
every operation, generates requests that fit the document and requests
that do not (wrong types, missing fields, strings of any Unicode), each
sent through the real paste pipeline in this process (the gabbi
fixture's world: SQLite, the in-process RPC transport, a compute agent
on libvirt's ``test:///default``). Every answer must be no 5xx and must
conform to the document: a documented status, the documented media type
and a body of the documented shape (Nova's fault body for errors).

Hypothesis's generator does not make what a byte-level attacker sends:
octets that are not UTF-8, percent-encoded surrogates, NUL, JSON
``\\ud800`` escapes. :func:`test_undecodable_input_to_every_operation`
sends those to every operation of the same document.

Bounded: ``MAX_EXAMPLES`` per operation and caller, no deadline per
example; the module takes about two minutes here (2 vCPUs).
"""

import itertools
import os
import re

import hypothesis
import pytest
import schemathesis
from schemathesis import checks as sch_checks
from schemathesis.specs.openapi import checks as openapi_checks
import webob

from consolehub.api import openapi
from consolehub.api import router
from tests.functional import fixtures

#: Examples per operation and caller; hypothesis stops earlier when an
#: operation has few distinct inputs.
MAX_EXAMPLES = 20

CHECKS = [
    sch_checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.response_headers_conformance,
]
# Not negative_data_rejection: as Nova's, list operations ignore query
# parameters they do not know (a 200 the check calls a failure), and the
# token header the tests always send undoes its "missing token" cases.
# Invalid requests are still generated, and must not be a 5xx.

OPENAPI_PATH = '/v2.1/openapi.json'
BASE_URL = 'http://consolehub.test'


@pytest.fixture(scope='module')
def api_world():
    """The gabbi fixture's world, for this module: returns the WSGI app."""
    world = fixtures.APIFixture()
    world.start_fixture()
    try:
        yield fixtures.setup_app()
    finally:
        world.stop_fixture()


def _load_schema():
    """The document ``/v2.1/openapi.json`` serves, built as its handler
    builds it (schemathesis needs it when tests are collected, before
    any fixture runs); ``test_the_fuzzed_document_is_the_served_one``
    checks that the two are the same. Requests go to the running
    fixture's paste pipeline."""
    loaded = schemathesis.openapi.from_dict(openapi.document(
        BASE_URL, router.ROUTE_DECLARATIONS, router.PUBLIC_ROUTES))
    loaded.app = fixtures.running_app
    loaded.config.generation.update(max_examples=MAX_EXAMPLES)
    return loaded


schema = _load_schema()


@pytest.fixture(autouse=True)
def _world(request):
    """Every test of the module runs in the module's world."""
    request.getfixturevalue('api_world')


_SETTINGS = hypothesis.settings(
    deadline=None, max_examples=MAX_EXAMPLES, derandomize=True,
    database=None, suppress_health_check=list(hypothesis.HealthCheck))


@schema.parametrize()
@_SETTINGS
def test_member_gets_no_server_error_and_conformance(case):
    case.call_and_validate(
        headers={'X-Auth-Token': os.environ['CONSOLEHUB_TOKEN_A']},
        checks=CHECKS)


@schema.parametrize()
@_SETTINGS
def test_admin_gets_no_server_error_and_conformance(case):
    case.call_and_validate(
        headers={'X-Auth-Token': os.environ['CONSOLEHUB_TOKEN_ADMIN']},
        checks=CHECKS)


# -- what the generator does not make ---------------------------------------

#: Path segments and query values as they travel: percent-encoded.
BAD_SEGMENTS = {
    'not UTF-8': '%FF%FE',
    'a cut UTF-8 sequence': 'ab%C3',
    'an overlong /': '%C0%AF',
    'a UTF-8 encoded surrogate': '%ED%A0%80',
    'NUL': 'a%00b',
}

#: JSON bodies whose text breaks the decoding policy.
BAD_BODIES = {
    'a lone high surrogate': b'{"x": "a\\ud800b"}',
    'a lone low surrogate key': b'{"\\udc00": 1}',
    'NUL': b'{"x": "a\\u0000"}',
    'Latin-1 octets': b'{"x": "caf\xe9"}',
    'UTF-16': '{"x": 1}'.encode('utf-16'),
}

_PARAMETER = re.compile(r'\{[^}]+\}')


def _operations(document):
    for path, operations in sorted(document['paths'].items()):
        for method, operation in sorted(operations.items()):
            yield path, method.upper(), operation


def _send(app, path, method, token, body=None):
    """Send raw octets: ``webob.Request.blank`` percent-decodes the path
    into PATH_INFO as ISO-8859-1 octets, as a WSGI server does."""
    request = webob.Request.blank(path, method=method, base_url=BASE_URL)
    request.headers['X-Auth-Token'] = token
    request.headers['OpenStack-API-Version'] = 'compute latest'
    if body is not None:
        request.content_type = 'application/json'
        request.body = body
    return request.get_response(app)


def _assert_fault(response, statuses):
    assert response.status_int in statuses, (response.status,
                                             response.body[:300])
    assert response.content_type == 'application/json'
    [(_name, fault)] = response.json.items()
    assert fault['code'] == response.status_int
    assert fault['message']
    assert response.headers['x-openstack-request-id'].startswith('req-')


def _query_names(operation):
    return [parameter['name'] for parameter in
            operation.get('parameters', ()) if parameter.get('in') == 'query']


def test_undecodable_input_to_every_operation(api_world):
    app = api_world
    document = _send(app, OPENAPI_PATH, 'GET', '').json
    admin = os.environ['CONSOLEHUB_TOKEN_ADMIN']
    tried = 0
    for path, method, operation in _operations(document):
        for what, segment in BAD_SEGMENTS.items():
            if _PARAMETER.search(path):
                bad_path = _PARAMETER.sub(segment, path)
                _assert_fault(_send(app, bad_path, method, admin), {400})
                tried += 1
            for name in _query_names(operation) or ['anything']:
                query = '%s?%s=%s' % (_PARAMETER.sub('x', path), name,
                                      segment)
                _assert_fault(_send(app, query, method, admin), {400})
                tried += 1
        if 'requestBody' in operation:
            for what, body in BAD_BODIES.items():
                response = _send(app, _PARAMETER.sub('x', path), method,
                                 admin, body)
                # 400 where the body is read; a 404 for an unknown
                # resource or 403 where policy answers before the body.
                _assert_fault(response, {400, 403, 404})
                tried += 1
    assert tried > 100, tried


def test_the_fuzzed_document_is_the_served_one(api_world):
    served = _send(api_world, OPENAPI_PATH, 'GET', '').json
    assert served == schema.raw_schema


def test_the_bad_inputs_reach_the_pipeline_as_octets():
    """The extra cases test what they claim: ``%FF`` arrives as the octet
    0xFF in PATH_INFO, not as U+FFFD."""
    environ = webob.Request.blank('/instances/%FF').environ
    assert environ['PATH_INFO'] == '/instances/\xff'
    assert list(itertools.islice(BAD_SEGMENTS, 1)) == ['not UTF-8']
