"""What the console proxy checks before it upgrades to a websocket.

A websocket upgrade (RFC 6455) carries a console token, as
``?token=<token>`` or a ``token`` cookie (:func:`request_token`). Before
the upgrade :class:`Gate` checks the browser's ``Origin``
(:func:`origin_allowed`), then redeems the token into a session
(:func:`consolehub.objects.console_session.redeem`); a refusal is a
plain HTTP answer with no body (``Content-Length: 0``, as Nova's proxy
answers; a websocket client would read a body as console data): 400 for
an upgrade websockets would refuse (RFC 6455) or with more than one
``Origin`` or ``Host`` header, 401 for a missing, unknown, used or
expired token or one whose port is no longer its guest's console, 403
for a foreign ``Origin``, 503 when the database is busy or the compute
agent cannot say; the log line says why. A session refused after the
upgrade (too many for the instance, too many SPICE channels) gets a
websocket close frame with its reason instead, which a browser can show.

A serial console's token names its guest's serial hub, which the proxy
tells the session's role (:func:`serial_role`): a view-only token's
session is a viewer; a full one's asks to write, or to take over from
the writer when its websocket URL says ``take_over=1``.

Before a new session connects, the proxy asks the instance's compute
agent whether the token's port is still the running guest's console
(``validate_console_port`` over RPC, as Nova's proxy does, run in the
proxy's RPC threads): a token outlives its guest, and the next guest on
that host may be given the same port (CVE-2013-0335).

Further channels of a SPICE session join it with the same one-time token
from the same client address, at most ``[console] max_spice_channels``
websockets in all; one more is closed at once with code 1008. An
``Origin`` is the proxy's own only if its host and port both match the
``Host`` header's, a missing port being the scheme's default.
"""

import http
import http.cookies
import urllib.parse

from oslo_log import log as logging

from consolehub.conf import CONF
from consolehub.console import sessions
from consolehub.console import static
from consolehub import exception
from consolehub.objects import console_auth_token
from consolehub.objects import console_session as session_obj
from consolehub.serialhub import protocol as serial_protocol

LOG = logging.getLogger(__name__)

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
    be ``http`` or ``https`` and either its host name and port equal the
    request's ``Host`` header's, or its host name or ``host:port`` is in
    ``allowed_origins``. A port left out, in ``Origin`` or ``Host``, is
    the origin scheme's default (RFC 6454: 80 for http, 443 for https),
    so ``http://host`` is not the origin of a proxy on ``host:6080``.

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
    effective_port = port or _DEFAULT_PORTS[parts.scheme]
    if host_header:
        try:
            host, host_port = _split_host(host_header.strip())
        except ValueError:
            host, host_port = None, None
        if hostname == host and effective_port == (
                host_port or _DEFAULT_PORTS[parts.scheme]):
            return True
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


#: Values of the websocket URL's ``take_over`` parameter that ask for it.
_YES = ('1', 'true', 'yes')


def serial_role(token, request):
    """The serial hub role (:mod:`consolehub.serialhub.protocol`) of a
    session of ``token`` (the token row, a dict) opened by ``request``.

    ``read`` for a view-only token; ``takeover`` for a full one whose
    websocket URL has ``take_over=1`` (or ``true``); else ``write``,
    which the hub makes the writer only if no session is.
    """
    if token['view_only']:
        return serial_protocol.READ
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request.path).query)
    if query.get('take_over', [''])[0].lower() in _YES:
        return serial_protocol.TAKEOVER
    return serial_protocol.WRITE


def is_upgrade(request):
    """Whether ``request`` asks for a websocket (``Upgrade: websocket``)."""
    return any('websocket' in value.lower()
               for value in request.headers.get_all('Upgrade'))


def _hash_prefix(token):
    return token['token_hash'][:8]


def _unauthorized():
    LOG.info('Refused a console websocket: missing, unknown or expired '
             'token')
    # A plain answer: the connection object may be gone already.
    return static.empty_response(http.HTTPStatus.UNAUTHORIZED)


def _console_port(token):
    """The guest's console port a token names (int).

    For a console behind an HTTP CONNECT relay (``[console]
    compute_relay``) the token's port is the relay's, and its
    ``internal_access_path`` is the console's own ``host:port``.
    """
    path = token['internal_access_path']
    if path:
        _host, _sep, port = path.rpartition(':')
        if port.isdigit():
            return int(port)
    return token['port']


class Gate(object):
    """The checks of a websocket upgrade, before it happens.

    :param book: the proxy's :class:`consolehub.console.sessions.
        SessionBook` (open sessions, ends not yet written).
    :param calls: its :class:`consolehub.console.workers.BlockingCalls`.
    :param port_checker: None, or a blocking callable
        ``(instance_uuid, instance_host, port, console_type) -> bool``
        asking the instance's compute agent whether the port is still its
        running guest's console (Nova's ``validate_console_port``); it may
        raise when the agent cannot answer.
    """

    def __init__(self, book, calls, port_checker=None):
        self.book = book
        self.calls = calls
        self.port_checker = port_checker

    async def _port_refusal(self, row, token):
        """None if the token's port is its guest's console; else the
        refusal to answer, the session row ended.

        A token outlives its guest: when the guest's QEMU stops, the next
        guest on the host may get its port, and the token would open that
        guest's console (CVE-2013-0335).
        """
        if self.port_checker is None:
            return None
        try:
            valid = await self.calls.rpc(
                self.port_checker, token['instance_uuid'],
                token['instance_host'], _console_port(token),
                token['console_type'])
        except Exception as error:
            LOG.warning('Cannot check the console port of instance '
                        '%(instance)s (token %(token)s): %(error)s',
                        {'instance': token['instance_uuid'],
                         'token': _hash_prefix(token), 'error': error})
            self.book.end_unopened(row, session_obj.REASON_PORT_UNCHECKED)
            return static.empty_response(http.HTTPStatus.SERVICE_UNAVAILABLE)
        if valid:
            return None
        LOG.warning('Refused a console websocket: port %(port)s is no '
                    'longer the console of instance %(instance)s (token '
                    '%(token)s)', {'port': _console_port(token),
                                   'instance': token['instance_uuid'],
                                   'token': _hash_prefix(token)})
        self.book.end_unopened(row, session_obj.REASON_PORT_INVALID)
        return _unauthorized()

    async def process_request(self, listener, connection, request):
        """Serve static files; check the upgrade, then origin and token.

        websockets' ``process_request`` hook: returns the response to
        send, the upgrade's (101) included. Everything websockets checks
        of an upgrade (RFC 6455 section 4.2.1) is checked here before the
        token is redeemed, so no token is spent on a handshake that fails.
        On a 101 the connection holds the handshake's verdict for its
        handler (:meth:`consolehub.console.relay.WebsocketConnection.
        consolehub_admit`): a :class:`~consolehub.console.sessions.
        NewSession`, :class:`~consolehub.console.sessions.JoinChannel` or
        :class:`~consolehub.console.sessions.Refusal`.
        """
        if not is_upgrade(request):
            return await static.serve_static(listener.web_root, request)
        for name in ('Origin', 'Host'):
            if len(request.headers.get_all(name)) > 1:
                LOG.warning('Refused a console websocket with more than one '
                            '%s header', name)
                return static.empty_response(http.HTTPStatus.BAD_REQUEST)
        upgrade = connection.protocol.accept(request)
        if upgrade.status_code != http.HTTPStatus.SWITCHING_PROTOCOLS:
            # websockets' own refusal: 400, 405, 426, 505.
            return static.without_body(upgrade)
        origin = request.headers.get('Origin')
        if not origin_allowed(origin, request.headers.get('Host'),
                              CONF.console.allowed_origins):
            LOG.warning('Refused a console websocket from origin %s',
                        origin[:200])
            return static.empty_response(http.HTTPStatus.FORBIDDEN)
        raw_token = request_token(request)
        if (not raw_token or
                len(raw_token) > console_auth_token.MAX_TOKEN_LENGTH):
            return _unauthorized()
        client_ip = (connection.remote_address or ('',))[0]
        limit = CONF.console.max_sessions_per_instance
        viewers = CONF.console.max_viewers_per_instance
        # Session writes run one at a time (see BlockingCalls.db_write),
        # so the session count and the insert are consistent within this
        # process, which is the only proxy of a deployment; the token's
        # conditional UPDATE is atomic across processes in any case.
        try:
            outcome, token, row = await self.calls.db_write(
                session_obj.redeem, console_auth_token.hash_token(raw_token),
                listener.kind, client_ip, CONF.consoleauth.single_use, limit,
                self.book.ending() if limit or viewers else (), viewers,
                CONF.console.record_sessions)
        except exception.DatabaseUnavailable as error:
            LOG.warning('Cannot check a console token now: %s', error)
            return static.empty_response(
                http.HTTPStatus.SERVICE_UNAVAILABLE, [('Retry-After', '1')])
        if outcome == session_obj.REDEEM_USED:
            primary = self.book.joinable(token['token_hash'], client_ip)
            if listener.kind == 'spice-html5' and primary is not None:
                # Another channel of a SPICE client already in session.
                if (len(primary.channels) + 1 >=
                        CONF.console.max_spice_channels):
                    LOG.warning('Refused a SPICE channel of session '
                                '%(session)s: %(count)d open',
                                {'session': primary.uuid,
                                 'count': len(primary.channels) + 1})
                    connection.consolehub_admit(sessions.Refusal(
                        session_obj.REASON_SPICE_CHANNELS))
                    return upgrade
                connection.consolehub_admit(
                    sessions.JoinChannel(primary, connection))
                return upgrade
            LOG.info('Refused a console websocket: token %s was used '
                     'already', _hash_prefix(token))
            return _unauthorized()
        if outcome == session_obj.REDEEM_LIMIT:
            view_only = bool(token['view_only'])
            LOG.warning('Refused a %(kind)s console session for instance '
                        '%(instance)s (token %(token)s): %(limit)d open',
                        {'instance': token['instance_uuid'],
                         'kind': 'view-only' if view_only else 'full',
                         'token': _hash_prefix(token),
                         'limit': viewers if view_only else limit})
            connection.consolehub_admit(sessions.Refusal(
                session_obj.REASON_VIEWER_LIMIT if view_only
                else session_obj.REASON_LIMIT))
            return upgrade
        if outcome != session_obj.REDEEM_OK:
            return _unauthorized()
        refusal = await self._port_refusal(row, token)
        if refusal is not None:
            return refusal
        role = (serial_role(token, request) if listener.kind == 'serial'
                else None)
        connection.consolehub_admit(
            sessions.NewSession(row, token, self.book, role))
        return upgrade
