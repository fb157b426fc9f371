"""Bearer secrets: how they are made and the one digest we store.

API tokens and console auth tokens are random strings handed to their
caller once; the database keeps only their SHA-256 hex digest (FIPS
180-4), so a copy of the database redeems nothing.
"""

import hashlib
import secrets


def hash_secret(raw):
    """Hex SHA-256 (str, 64 digits) of ``raw`` (str), as stored."""
    return hashlib.sha256(raw.encode('utf-8')).hexdigest()


def new_hex_token():
    """256 random bits as 64 hex digits (str).

    Unlike URL-safe base64, never a leading "-", which command lines
    (``openstack --os-token``) would take for an option.
    """
    return secrets.token_hex(32)


def new_urlsafe_token():
    """256 random bits, URL-safe base64 (str, 43 characters)."""
    return secrets.token_urlsafe(32)
