"""Key pairs as Nova's ``os-keypairs`` shows them (compute API reference,
"Keypairs (keypairs)").

``type`` is shown from microversion 2.2. Rows are never soft-deleted
here, so ``deleted`` is always false and ``deleted_at`` null.
"""

from consolehub.api import microversion


def _isotime(value):
    # Nova shows key pair times without a zone, e.g. 2014-05-07T12:06:13.
    return value.isoformat() if value else None


def _typed(req, body, row):
    if microversion.is_at_least(req, '2.2'):
        body['type'] = row['type']
    return body


def summary(req, row):
    """A list entry: ``{"keypair": {name, public_key, fingerprint, type}}``."""
    return {'keypair': _typed(req, {
        'name': row['name'],
        'public_key': row['public_key'],
        'fingerprint': row['fingerprint'],
    }, row)}


def created(req, row, private_key=None):
    """``POST``'s ``{"keypair": {...}}``, with ``private_key`` when one was
    generated."""
    body = {
        'name': row['name'],
        'public_key': row['public_key'],
        'fingerprint': row['fingerprint'],
        'user_id': row['user_id'],
    }
    if private_key is not None:
        body['private_key'] = private_key
    return {'keypair': _typed(req, body, row)}


def detail(req, row):
    """``GET /os-keypairs/{name}``'s ``{"keypair": {...}}``."""
    return {'keypair': _typed(req, {
        'id': row['id'],
        'name': row['name'],
        'public_key': row['public_key'],
        'fingerprint': row['fingerprint'],
        'user_id': row['user_id'],
        'created_at': _isotime(row['created_at']),
        'updated_at': _isotime(row['updated_at']),
        'deleted': False,
        'deleted_at': None,
    }, row)}
