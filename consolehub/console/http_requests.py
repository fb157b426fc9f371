"""What the console proxy answers over plain HTTP, before any websocket.

A plain HTTP ``GET``/``HEAD`` to a listener gets a static file of its web
root: noVNC's, spice-html5's, or the serial console's terminal page in
:data:`SERIAL_WEB` (:func:`serve_static`). A websocket upgrade (RFC 6455)
carries a console token, as ``?token=<token>`` or a ``token`` cookie
(:func:`request_token`); :mod:`consolehub.console.proxy` checks its
``Origin`` (:func:`origin_allowed`), then the token, before the upgrade,
and answers a refusal with a plain HTTP :func:`response`.
"""

import asyncio
import email.utils
import http
import http.cookies
import mimetypes
import os
import urllib.parse

from oslo_log import log as logging
from websockets import datastructures
from websockets import http11

LOG = logging.getLogger(__name__)

#: Where the serial console's terminal page lives.
SERIAL_WEB = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'web')

_DEFAULT_PORTS = {'http': 80, 'https': 443}


def _split_host(netloc):
    """``(hostname, port)`` of ``host[:port]``; port None when absent.

    :raises ValueError: if the port is not a number.
    """
    parts = urllib.parse.urlsplit('//' + netloc)
    return (parts.hostname or '').lower(), parts.port


def origin_allowed(origin, host_header, allowed_origins):
    """Whether a websocket may be opened from the page at ``origin``.

    Nova's websocketproxy rule: a request without ``Origin`` comes from a
    non-browser client and is allowed. Otherwise the origin's scheme must
    be ``http`` or ``https`` and either its host name (and its port, when
    it names one) equals the request's ``Host`` header's, or its host name
    or ``host:port`` (port defaulting by scheme) is in ``allowed_origins``.

    :param origin: the ``Origin`` header (str) or None.
    :param host_header: the ``Host`` header (str) or None.
    :param allowed_origins: list of ``host`` or ``host:port`` strings, as
        in ``[console] allowed_origins``.
    :returns: bool.
    """
    if origin is None:
        return True
    try:
        parts = urllib.parse.urlsplit(origin.strip())
        hostname, port = (parts.hostname or '').lower(), parts.port
    except ValueError:
        return False
    if parts.scheme not in _DEFAULT_PORTS or not hostname:
        return False
    if host_header:
        try:
            host, host_port = _split_host(host_header.strip())
        except ValueError:
            host, host_port = None, None
        if hostname == host and (port is None or port == host_port):
            return True
    effective_port = port or _DEFAULT_PORTS[parts.scheme]
    shown = '[%s]' % hostname if ':' in hostname else hostname
    candidates = {shown, hostname, '%s:%d' % (shown, effective_port)}
    return any(entry.strip().lower() in candidates
               for entry in allowed_origins)


def request_token(request):
    """The raw token of a request: ``?token=`` first, then a cookie."""
    query = urllib.parse.urlsplit(request.path).query
    token = urllib.parse.parse_qs(query).get('token', [''])[0]
    if token:
        return token
    # noVNC may forward the token as a cookie instead (as Nova accepts).
    for header in request.headers.get_all('Cookie'):
        cookie = http.cookies.SimpleCookie()
        for part in header.split(';'):
            try:
                cookie.load(part.strip())
            except http.cookies.CookieError:
                # Never echo the cookie: it may hold a token.
                LOG.debug('Ignoring a malformed cookie')
                continue
            if 'token' in cookie and cookie['token'].value:
                return cookie['token'].value
    return None


def is_upgrade(request):
    return any('websocket' in value.lower()
               for value in request.headers.get_all('Upgrade'))


def response(status, body, content_type, extra_headers=()):
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
    found = await asyncio.to_thread(_read_static, web_root, request.path)
    if found is None:
        return response(http.HTTPStatus.NOT_FOUND, b'Not found\n',
                        'text/plain; charset=utf-8')
    body, content_type = found
    answer = response(http.HTTPStatus.OK, body, content_type)
    if request.method == 'HEAD':
        answer.body = b''
    return answer
