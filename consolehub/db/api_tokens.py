"""Queries of ``api_tokens``: the bearer tokens of ``[api] auth_strategy
= token``, stored as SHA-256 hex digests only."""

import hmac

import sqlalchemy as sa

from consolehub.db import engine
from consolehub.db import models


@engine.retry_on_deadlock
def api_token_create(context, token_hash, project_id, user_id, roles):
    """Store a new API token's hash; ``roles`` is a list of role names."""
    with engine.writer(context) as session:
        row = models.ApiToken(token_hash=token_hash, project_id=project_id,
                              user_id=user_id, roles=','.join(roles))
        session.add(row)
        session.flush()
        return engine.as_dict(row)


def api_token_get_by_hash(context, token_hash):
    """The token row whose hash equals ``token_hash``, or None.

    The final comparison is constant-time so that the answer's timing
    does not depend on how much of a guessed hash matched.
    """
    with engine.reader(context) as session:
        row = session.scalars(sa.select(models.ApiToken).filter_by(
            token_hash=token_hash)).first()
        if row is None or not hmac.compare_digest(row.token_hash,
                                                  token_hash):
            return None
        return engine.as_dict(row)
