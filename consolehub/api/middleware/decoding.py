"""One decoding policy for every text input of the API.

Every text the API reads from a request is Unicode sent as UTF-8: the
path and the query string (their percent-encoded octets are UTF-8, RFC
3986 section 2.5 and the WHATWG URL standard) and JSON bodies (RFC 8259
section 8.1). Text that does not decode, a lone UTF-16 surrogate (which
JSON's ``\\ud800`` escapes can make but no UTF-8 can carry) and U+0000
(which PostgreSQL cannot store and no name needs) are refused with a 400
before any handler or database sees them.

WSGI hands the path and query as ISO-8859-1 strings of the raw octets
(PEP 3333, "Unicode Issues"); :class:`TextInput` checks them first thing
in the pipeline, so that everything after it may decode them as UTF-8
(``webob.Request.path_info``, ``.GET``); :func:`check_json_text` checks
decoded JSON bodies (``consolehub.api.util.extract_json``).
"""

import urllib.parse

import webob.exc

from consolehub.api.middleware import fault


def _refuse(where, reason):
    raise webob.exc.HTTPBadRequest(
        explanation='Invalid %s: %s; text must be UTF-8 without U+0000 '
                    '(NUL) or lone surrogates.' % (where, reason))


def _check_text(text, where):
    if '\x00' in text:
        _refuse(where, 'it contains U+0000')


def _wsgi_octets(value, where):
    """The raw octets of a PEP 3333 string (``str`` of code points < 256)."""
    try:
        return value.encode('latin-1')
    except UnicodeEncodeError:
        # Not a PEP 3333 string: the server gave us decoded text.
        _refuse(where, 'it is not a string of octets')


def decode_octets(octets, where):
    """``octets`` (bytes) as text, under the policy.

    :raises webob.exc.HTTPBadRequest: not UTF-8, or U+0000 in it.
    """
    try:
        text = octets.decode('utf-8')
    except UnicodeDecodeError as error:
        _refuse(where, 'byte 0x%02X at offset %d is not UTF-8'
                % (octets[error.start], error.start))
    _check_text(text, where)
    return text


def decode_path(environ):
    """``SCRIPT_NAME`` + ``PATH_INFO`` of a WSGI environ as text.

    :raises webob.exc.HTTPBadRequest: see :func:`decode_octets`.
    """
    return decode_octets(
        _wsgi_octets(environ.get('SCRIPT_NAME', ''), 'path') +
        _wsgi_octets(environ.get('PATH_INFO', ''), 'path'), 'path')


def decode_query(environ):
    """The percent-decoded ``QUERY_STRING`` as text (``+`` as a space).

    Decoding the whole string at once accepts exactly what decoding each
    name and value would: the separators ``&``, ``=`` and ``;`` are ASCII
    and cannot split a UTF-8 sequence.

    :raises webob.exc.HTTPBadRequest: see :func:`decode_octets`.
    """
    raw = _wsgi_octets(environ.get('QUERY_STRING', ''), 'query string')
    return decode_octets(
        urllib.parse.unquote_to_bytes(raw.replace(b'+', b' ')),
        'query string')


def check_json_text(data):
    """Refuse a decoded JSON document with a string (key or value) holding
    a lone surrogate or U+0000.

    :param data: what ``json.loads`` returned (dicts, lists, str, ...).
    :raises webob.exc.HTTPBadRequest: naming the first such string.
    """
    # Iterative: json.loads nests as deep as the recursion limit allows.
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            try:
                item.encode('utf-8')
            except UnicodeEncodeError as error:
                _refuse('JSON string', 'it has a lone surrogate \\u%04x'
                        % ord(item[error.start]))
            _check_text(item, 'JSON string')


class TextInput(object):
    """WSGI filter applying the policy to the path and the query string.

    It runs right after the fault wrapper, so a refusal is a Nova fault
    (400 ``badRequest``) with a request id.
    """

    def __init__(self, application):
        self.application = application

    @fault.keeps_fault
    def __call__(self, environ, start_response):
        decode_path(environ)
        decode_query(environ)
        return self.application(environ, start_response)

    @classmethod
    def factory(cls, global_conf, **local_conf):
        return cls
