"""Handler helpers: JSON bodies in and out."""

import datetime

import pytest
import webob
import webob.exc

from consolehub.api import util

SCHEMA = {
    'type': 'object',
    'properties': {'size': {'type': 'integer', 'minimum': 1}},
    'required': ['size'],
    'additionalProperties': False,
}


def _request(body, content_type='application/json'):
    req = webob.Request.blank('/', method='POST')
    req.content_type = content_type
    req.body = body
    return req


# Explicit ids: gabbi's pytest plugin takes ids with a colon for its own.
@pytest.mark.parametrize('content_type', [
    'application/json', 'application/json; charset=utf-8',
    'Application/JSON',
], ids=['plain', 'with-charset', 'upper-case'])
def test_extract_json(content_type):
    assert util.extract_json(_request(b'{"size": 2}', content_type),
                             SCHEMA) == {'size': 2}


@pytest.mark.parametrize('content_type', [
    'text/plain', 'application/x-www-form-urlencoded', 'application/jsonx',
    '',
])
def test_extract_json_other_media_type_is_415(content_type):
    with pytest.raises(webob.exc.HTTPUnsupportedMediaType):
        util.extract_json(_request(b'{"size": 2}', content_type), SCHEMA)


@pytest.mark.parametrize('body', [
    b'', b'{', b'{"size": 2', b"{'size': 2}",
    # Nested deeper than the decoder's recursion limit: RecursionError.
    b'[' * 100000,
    b'{"a":' * 100000,
], ids=['empty', 'open-brace', 'unterminated', 'single-quotes',
        'deep-arrays', 'deep-objects'])
def test_extract_json_malformed_is_400(body):
    with pytest.raises(webob.exc.HTTPBadRequest) as raised:
        util.extract_json(_request(body), SCHEMA)
    assert raised.value.explanation.startswith(
        'Malformed JSON in request body: ')


def test_extract_json_not_utf8_is_400():
    with pytest.raises(webob.exc.HTTPBadRequest) as raised:
        util.extract_json(_request(b'\xff\xfe{}'), SCHEMA)
    assert raised.value.explanation.startswith(
        'Invalid request body: byte 0xFF at offset 0 is not UTF-8')


@pytest.mark.parametrize('data,field', [
    ({'size': 64.0}, "field 'size'"),
    ({'size': 2.5}, "field 'size'"),
    ({'size': True}, "field 'size'"),
    ({'size': '2'}, "field 'size'"),
    ({'size': 0}, "field 'size'"),
    ({}, 'the request'),
    ({'size': 2, 'extra': 1}, 'the request'),
    ([], 'the request'),
    (None, 'the request'),
])
def test_validate_refuses(data, field):
    with pytest.raises(webob.exc.HTTPBadRequest) as raised:
        util.validate(data, SCHEMA)
    assert raised.value.explanation.startswith(
        'Invalid input for %s: ' % field)


def test_validate_accepts_a_json_integer():
    util.validate({'size': 10 ** 12}, SCHEMA)


def test_validate_checks_formats():
    schema = {'type': 'string', 'format': 'uuid'}
    util.validate('9b4f5a36-2e2b-4a8c-9a59-3f4b7c9a2d10', schema)
    with pytest.raises(webob.exc.HTTPBadRequest):
        util.validate('not-a-uuid', schema)


def test_json_response():
    req = webob.Request.blank('/')
    response = util.json_response(req, {'name': 'caf\u00e9'}, 201)
    assert response.status_int == 201
    assert response.content_type == 'application/json'
    assert response.charset == 'utf-8'
    assert response.json == {'name': 'caf\u00e9'}


def test_json_response_without_body():
    req = webob.Request.blank('/')
    response = util.json_response(req, None, 204)
    assert response.status_int == 204
    assert response.body == b''
    assert 'Content-Type' not in response.headers


def test_isotime():
    assert util.isotime(datetime.datetime(2024, 2, 29, 23, 5, 7, 999)) == (
        '2024-02-29T23:05:07Z')
    assert util.isotime(None) is None
