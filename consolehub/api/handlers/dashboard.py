"""The dashboard: its files and its settings, served without a token.

The dashboard is static HTML, CSS and JavaScript modules in
``consolehub/dashboard`` (no build step); in the browser it calls the
public REST API with the user's token. :data:`ROUTES` maps every file's
URL path under ``/dashboard/`` to a handler serving it, so no path is
ever joined to the file system at request time, plus:

* ``/dashboard`` -> 301 to ``/dashboard/``;
* ``/dashboard/`` -> ``index.html``;
* ``/dashboard/settings.json`` -> what the page needs to know of this
  deployment (:func:`show_settings`).

Every response carries a strict Content-Security-Policy (W3C CSP Level 3:
no inline script or style, frames only from the console proxies, Trusted
Types so no string can become markup) and the usual hardening headers
(:func:`security_headers`). ``[dashboard] enabled = False`` turns every
route into a 404.
"""

import hashlib
import os
import urllib.parse

import webob
import webob.exc

from consolehub.api import util
from consolehub.conf import CONF

#: Where the dashboard lives in the URL space.
PREFIX = '/dashboard'

#: The dashboard's files, shipped inside the package.
STATIC_DIR = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir,
    'dashboard'))

#: File name extension -> media type; files of other types are not served.
MEDIA_TYPES = {
    '.html': 'text/html',
    '.css': 'text/css',
    # RFC 9239: the one media type of JavaScript, modules included.
    '.js': 'text/javascript',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
}

#: Scheme of a console proxy's access_url -> scheme of the page framing it
#: (the serial console's access_url is a websocket URL; its page is HTTP).
_FRAME_SCHEMES = {'http': 'http', 'https': 'https', 'ws': 'http',
                  'wss': 'https'}


def _origin(url):
    """``scheme://host[:port]`` of ``url``, or None if it has none."""
    parts = urllib.parse.urlsplit(url or '')
    scheme = _FRAME_SCHEMES.get(parts.scheme.lower())
    if scheme is None or not parts.netloc:
        return None
    return '%s://%s' % (scheme, parts.netloc.rsplit('@', 1)[-1].lower())


def console_origins():
    """Origins the dashboard may frame: ``[dashboard] console_origins``,
    or those of the three console proxies' base URLs (sorted, unique)."""
    configured = CONF.dashboard.console_origins or [
        CONF.vnc.novncproxy_base_url, CONF.spice.html5proxy_base_url,
        CONF.serial_console.base_url]
    return sorted({origin for origin in map(_origin, configured) if origin})


def replay_url():
    """The console proxy's recording replay page (on the noVNC
    listener, beside noVNC), or None without a noVNC base URL."""
    origin = _origin(CONF.vnc.novncproxy_base_url)
    return origin + '/consolehub/replay.html' if origin else None


def keystone_url():
    """``[dashboard] keystone_url`` when users sign in with Keystone, or
    None."""
    if CONF.api.auth_strategy != 'keystone':
        return None
    return CONF.dashboard.keystone_url


def content_security_policy():
    """The ``Content-Security-Policy`` of every dashboard response (str).

    Scripts, styles and images come from the dashboard itself only; the
    page may connect to this API (and Keystone, to sign in) and frame the
    console proxies' pages; nothing may frame the dashboard.
    """
    connect = ["'self'"]
    identity = _origin(keystone_url())
    if identity:
        connect.append(identity)
    frames = console_origins() or ["'none'"]
    return '; '.join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        'connect-src ' + ' '.join(connect),
        'frame-src ' + ' '.join(frames),
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
        "require-trusted-types-for 'script'",
        "trusted-types 'none'",
    ])


def security_headers():
    """``[(name, value)]``: the headers on every dashboard response."""
    return [
        ('Content-Security-Policy', content_security_policy()),
        ('X-Content-Type-Options', 'nosniff'),
        ('X-Frame-Options', 'DENY'),
        # The console frames' URLs hold console tokens: never sent on.
        ('Referrer-Policy', 'no-referrer'),
        ('Cross-Origin-Opener-Policy', 'same-origin'),
        ('Cross-Origin-Resource-Policy', 'same-origin'),
        ('Permissions-Policy',
         'camera=(), microphone=(), geolocation=(), payment=(), usb=()'),
    ]


def _response(req, body, content_type):
    """A 200 (or 304 for a matching ``If-None-Match``) with ``body``
    (bytes); browsers revalidate every time, so an upgrade shows at
    once."""
    response = webob.Response(body=body, content_type=content_type,
                              conditional_response=True)
    if content_type.startswith('text/') or content_type.endswith('json'):
        response.charset = 'utf-8'
    response.etag = hashlib.sha256(body).hexdigest()[:32]
    response.cache_control = 'no-cache'
    response.headers.extend(security_headers())
    return response


def _require_enabled():
    if not CONF.dashboard.enabled:
        raise webob.exc.HTTPNotFound(
            explanation='The dashboard is disabled ([dashboard] enabled).')


def _file_handler(path, media_type):
    def serve(req):
        _require_enabled()
        with open(path, 'rb') as static_file:
            return _response(req, static_file.read(), media_type)
    serve.__doc__ = 'The dashboard file %s.' % os.path.basename(path)
    return serve


def show_settings(req):
    """``GET /dashboard/settings.json`` -> 200 ``{"auth_strategy",
    "keystone_url", "poll_interval", "replay_url"}``: how users sign in,
    how often the page refreshes (seconds), where recordings replay."""
    _require_enabled()
    body = util.json_response(req, {
        'auth_strategy': CONF.api.auth_strategy,
        'keystone_url': keystone_url(),
        'poll_interval': CONF.dashboard.poll_interval,
        'replay_url': replay_url(),
    }).body
    return _response(req, body, 'application/json')


def redirect_to_index(req):
    """``GET /dashboard`` -> 301 to ``/dashboard/``, so that the page's
    relative links resolve below it."""
    _require_enabled()
    response = webob.exc.HTTPMovedPermanently(
        location=req.application_url + PREFIX + '/')
    response.headers.extend(security_headers())
    return response


def routes(static_dir=STATIC_DIR):
    """``{URL path: handler}`` of every file in ``static_dir`` whose type
    is in :data:`MEDIA_TYPES`, with the index and the settings."""
    found = {PREFIX: redirect_to_index,
             PREFIX + '/settings.json': show_settings}
    for directory, dirs, files in os.walk(static_dir):
        dirs.sort()
        for name in sorted(files):
            media_type = MEDIA_TYPES.get(os.path.splitext(name)[1])
            if media_type is None:
                continue
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, static_dir).replace(os.sep, '/')
            found['%s/%s' % (PREFIX, relative)] = _file_handler(
                path, media_type)
    if PREFIX + '/index.html' in found:
        found[PREFIX + '/'] = found[PREFIX + '/index.html']
    return found


#: Every path of the dashboard -> its handler (GET and HEAD).
ROUTES = routes()
