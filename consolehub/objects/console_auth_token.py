"""Console auth token lifecycle: mint, hash, redeem.

A token is 32 random bytes from :mod:`secrets`, URL-safe base64 encoded
(43 characters). Only its SHA-256 hex digest reaches the database; the raw
token goes back to the API caller once, inside ``access_url``, and is never
logged.
"""

import urllib.parse

from consolehub.conf import CONF
from consolehub.db import console_auth_tokens as db_tokens
from consolehub import exception
from consolehub.objects import console_types
from consolehub.objects import secret

#: Upper bound on a token presented to the proxy; anything longer is
#: refused before it is hashed.
MAX_TOKEN_LENGTH = 256


#: The digest of a raw token, as stored (hex SHA-256).
hash_token = secret.hash_secret


def access_url(console_type, raw_token):
    """The URL a browser opens for ``console_type`` with ``raw_token``.

    For noVNC the token rides in the ``path`` parameter that noVNC turns
    into its websocket path (``?path=%3Ftoken%3D<token>``); spice-html5
    and serial URLs get ``?token=<token>``, as Nova builds them.
    """
    kind = console_types.SUPPORTED[console_type]
    group, option = kind.base_url_option
    base_url = getattr(getattr(CONF, group), option)
    separator = '&' if '?' in base_url else '?'
    if not kind.token_in_path:
        return '%s%stoken=%s' % (base_url, separator,
                                 urllib.parse.quote(raw_token, safe=''))
    path = urllib.parse.quote('?token=' + raw_token, safe='')
    return '%s%spath=%s' % (base_url, separator, path)


def mint(context, console_type, host, port, instance_uuid,
         internal_access_path=None, view_only=False, record=False):
    """Create a console auth token for a guest's console port.

    :param context: the caller's; the token records its ``user_id``.
    :param console_type: a key of ``console_types.SUPPORTED``, e.g.
        ``('vnc', 'novnc')``.
    :param host: address the proxy connects to (str); ``port``: TCP port.
    :param view_only: bool; the proxy relays the guest's output to the
        token's sessions and none of their input that acts on the guest.
    :param record: whether the proxy records the session (bool).
    :returns: ``(raw_token, row)``; the caller hands ``raw_token`` to the
        user and must not store or log it.
    """
    raw_token = secret.new_urlsafe_token()
    row = db_tokens.console_auth_token_create(
        context, token_hash=hash_token(raw_token),
        console_type=console_type[1], host=host, port=port,
        internal_access_path=internal_access_path,
        instance_uuid=instance_uuid, ttl=CONF.consoleauth.token_ttl,
        view_only=view_only, record=record)
    return raw_token, row


def validate(context, raw_token):
    """The token row a raw token redeems.

    :raises InvalidToken: if the token is malformed, unknown, expired, or
        its instance has been deleted.
    """
    if not raw_token or len(raw_token) > MAX_TOKEN_LENGTH:
        raise exception.InvalidToken()
    return db_tokens.console_auth_token_get_valid(context,
                                                  hash_token(raw_token))


def destroy_for_instance(context, instance_uuid):
    """Invalidate every console token of an instance.

    For a guest that stopped or vanished: its console ports may be given
    to the next guest on the host, and a token must not open that guest's
    console (CVE-2013-0335).

    :returns: how many tokens went (int).
    """
    return db_tokens.console_auth_token_destroy_for_instance(context,
                                                             instance_uuid)
