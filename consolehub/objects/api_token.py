"""API tokens: bearer tokens of ``[api] auth_strategy = token``.

``consolehub-manage token create`` makes them; the auth filter looks them
up by digest. Only the digest is stored (:mod:`consolehub.objects.secret`).
"""

from consolehub.db import api_tokens as db_api_tokens
from consolehub.objects import secret


def create(context, project_id, user_id, roles):
    """Make and store a new API token.

    :param roles: list of role names (str).
    :returns: the raw token (str, 64 hex digits), to show once.
    """
    raw_token = secret.new_hex_token()
    db_api_tokens.api_token_create(context, secret.hash_secret(raw_token),
                                   project_id, user_id, roles)
    return raw_token


def get_by_digest(context, token_digest):
    """The token row (dict) whose digest is ``token_digest``, or None."""
    return db_api_tokens.api_token_get_by_hash(context, token_digest)
