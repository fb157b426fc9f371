"""What the console proxy answers over plain HTTP: its static files.

A plain HTTP ``GET``/``HEAD`` to a listener gets a static file of its web
root: noVNC's, spice-html5's, or the serial console's terminal page in
:data:`SERIAL_WEB` (:func:`serve_static`). Below :data:`OWN_PREFIX` every
listener serves consolehub's own pages from :data:`SERIAL_WEB`: the
recording replay page, ``/consolehub/replay.html``, which on the noVNC
listener loads noVNC's ``/core/rfb.js`` from the same origin.
:func:`response` builds every plain HTTP answer of the proxy;
:func:`empty_response` its refusals of a websocket upgrade
(:mod:`consolehub.console.handshake`), which carry no body.
"""

import asyncio
import email.utils
import http
import mimetypes
import os
import urllib.parse

from websockets import datastructures
from websockets import http11

#: Where the serial console's terminal page lives.
SERIAL_WEB = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'web')
#: URL path prefix of consolehub's own pages, on every listener.
OWN_PREFIX = '/consolehub/'


def response(status, body, content_type, extra_headers=()):
    """A complete HTTP answer that closes the connection.

    :param status: an ``http.HTTPStatus`` or int; ``body``: bytes;
        ``content_type``: str; ``extra_headers``: ``(name, value)`` pairs.
    :returns: a ``websockets.http11.Response``.
    """
    status = http.HTTPStatus(status)
    headers = datastructures.Headers([
        ('Date', email.utils.formatdate(usegmt=True)),
        ('Connection', 'close'),
        ('Content-Length', str(len(body))),
        ('Content-Type', content_type),
        ('X-Content-Type-Options', 'nosniff'),
    ])
    for name, value in extra_headers:
        headers[name] = value
    return http11.Response(status.value, status.phrase, headers, body)


def empty_response(status, extra_headers=()):
    """A complete HTTP answer with no body that closes the connection.

    The proxy's refusal of a websocket upgrade: a websocket client (noVNC,
    spice-html5) would take a body for console data, so, as Nova's proxy,
    it carries only its status line and headers (``Content-Length: 0``).

    :param status: an ``http.HTTPStatus`` or int; ``extra_headers``:
        ``(name, value)`` pairs.
    :returns: a ``websockets.http11.Response``.
    """
    status = http.HTTPStatus(status)
    headers = datastructures.Headers([
        ('Date', email.utils.formatdate(usegmt=True)),
        ('Connection', 'close'),
        ('Content-Length', '0'),
    ])
    for name, value in extra_headers:
        headers[name] = value
    return http11.Response(status.value, status.phrase, headers, b'')


def without_body(answer):
    """``answer`` (a ``websockets.http11.Response``) with its body
    dropped, as :func:`empty_response`; status and headers kept."""
    answer.body = b''
    answer.headers['Content-Length'] = '0'
    if 'Content-Type' in answer.headers:
        del answer.headers['Content-Type']
    return answer


def _read_static(web_root, url_path):
    """Blocking: ``(bytes, content type)`` of a web file, or None.

    Only regular files strictly below ``web_root`` are served: any ``.``
    or ``..`` segment (also percent-encoded) gets None, so do directories.
    """
    path = urllib.parse.unquote(urllib.parse.urlsplit(url_path).path)
    segments = [segment for segment in path.split('/') if segment]
    if (not segments or '\x00' in path
            or any(segment in ('.', '..') for segment in segments)):
        return None
    full_path = os.path.join(web_root, *segments)
    if not os.path.isfile(full_path):
        return None
    try:
        with open(full_path, 'rb') as static_file:
            body = static_file.read()
    except OSError:
        return None
    content_type = (mimetypes.guess_type(full_path)[0]
                    or 'application/octet-stream')
    if (content_type.startswith('text/')
            or content_type.endswith('javascript')):
        content_type += '; charset=utf-8'
    return body, content_type


async def serve_static(web_root, request):
    """The answer to a plain HTTP request: a file of ``web_root``, or not.

    404 for anything :func:`_read_static` does not serve, 405 for a method
    other than ``GET`` and ``HEAD``.
    """
    if request.method not in ('GET', 'HEAD'):
        return response(http.HTTPStatus.METHOD_NOT_ALLOWED,
                        b'Method not allowed\n',
                        'text/plain; charset=utf-8',
                        [('Allow', 'GET, HEAD')])
    path = request.path
    if path.startswith(OWN_PREFIX):
        web_root, path = SERIAL_WEB, path[len(OWN_PREFIX) - 1:]
    found = await asyncio.to_thread(_read_static, web_root, path)
    if found is None:
        return response(http.HTTPStatus.NOT_FOUND, b'Not found\n',
                        'text/plain; charset=utf-8')
    body, content_type = found
    answer = response(http.HTTPStatus.OK, body, content_type)
    if request.method == 'HEAD':
        answer.body = b''
    return answer
