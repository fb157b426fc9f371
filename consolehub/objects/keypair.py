"""Key pairs: a user's named public keys, and the rules on them.

As Nova's (compute API reference, "Keypairs (keypairs)"): a key pair
belongs to a user, its name is unique for that user, 1 to 255 of Nova's
safe characters (ASCII letters, digits, ``_``, ``-`` and space), and
its type is ``ssh`` (an OpenSSH public key, whose fingerprint is the
MD5 of the key's blob in colon-separated hex) or ``x509`` (a PEM
certificate, fingerprint the SHA-1 of its DER form). A user's key
pairs count against the ``key_pairs`` quota of the project they are
created in (:mod:`consolehub.objects.quota`, per user).

Creating one without a public key generates the pair (RSA, 2048 bits)
and returns the private key once; it is never stored.
"""

import base64
import datetime
import hashlib
import string

from cryptography import exceptions as crypto_exceptions
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID

from consolehub.db import key_pairs as db_key_pairs
from consolehub import exception
from consolehub.objects import quota

SSH = 'ssh'
X509 = 'x509'
TYPES = (SSH, X509)

#: Characters Nova allows in a key pair name before microversion 2.92.
SAFE_CHARACTERS = frozenset('_- ' + string.digits + string.ascii_letters)
MAX_NAME_LENGTH = 255

#: Bits of a generated RSA key (Nova's).
GENERATED_KEY_BITS = 2048
#: Validity of a generated x509 certificate (Nova's ten years).
CERTIFICATE_DAYS = 3650


def validate_name(name):
    """Check a key pair name as Nova's compute API does.

    :raises InvalidKeypair: unsafe characters, or not 1..255 long.
    """
    if any(character not in SAFE_CHARACTERS for character in name):
        raise exception.InvalidKeypair(
            reason='Keypair name contains unsafe characters')
    if not 0 < len(name) <= MAX_NAME_LENGTH:
        raise exception.InvalidKeypair(
            reason='Keypair name must be string and between 1 and 255 '
                   'characters long')


def _colon_hex(digest):
    return ':'.join('%02x' % octet for octet in digest)


def ssh_fingerprint(public_key):
    """The MD5 fingerprint Nova shows of an OpenSSH public key (text),
    e.g. ``'1e:2c:...'``.

    :raises InvalidKeypair: not an OpenSSH public key we can read.
    """
    try:
        key = serialization.load_ssh_public_key(public_key.encode('utf-8'))
    except (ValueError, IndexError, UnicodeEncodeError,
            crypto_exceptions.UnsupportedAlgorithm):
        raise exception.InvalidKeypair(reason='failed to generate '
                                              'fingerprint')
    blob = key.public_bytes(serialization.Encoding.OpenSSH,
                            serialization.PublicFormat.OpenSSH).split()[1]
    # MD5 because that is the fingerprint format clients compare with.
    return _colon_hex(hashlib.md5(base64.b64decode(blob),
                                  usedforsecurity=False).digest())


def x509_fingerprint(certificate):
    """The SHA-1 fingerprint Nova shows of a PEM certificate (text).

    :raises InvalidKeypair: not a PEM certificate we can read.
    """
    try:
        loaded = x509.load_pem_x509_certificate(certificate.encode('utf-8'))
        return _colon_hex(loaded.fingerprint(hashes.SHA1()))
    except (ValueError, UnicodeEncodeError) as error:
        raise exception.InvalidKeypair(
            reason='failed to generate X509 fingerprint. Error message: '
                   '%s' % error)


def fingerprint(public_key, key_type):
    """The fingerprint of ``public_key`` of ``key_type`` (see above)."""
    if key_type == X509:
        return x509_fingerprint(public_key)
    return ssh_fingerprint(public_key)


def _new_rsa_key():
    return rsa.generate_private_key(public_exponent=65537,
                                    key_size=GENERATED_KEY_BITS)


def _private_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()).decode('ascii')


def _generate_ssh():
    key = _new_rsa_key()
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH,
        serialization.PublicFormat.OpenSSH).decode('ascii')
    return _private_pem(key), public + ' Generated-by-consolehub'


def _generate_x509(user_id):
    """A self-signed client certificate for ``user_id``, as Nova makes
    for WinRM: subject CN ``user_id``, usage client authentication."""
    key = _new_rsa_key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, user_id)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=CERTIFICATE_DAYS))
        .add_extension(x509.ExtendedKeyUsage(
            [ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(key, hashes.SHA256()))
    return (_private_pem(key),
            certificate.public_bytes(serialization.Encoding.PEM)
            .decode('ascii'))


def generate(key_type, user_id):
    """A new pair of ``key_type``: ``(private_key, public_key)`` texts
    (PEM private key; OpenSSH public key or PEM certificate)."""
    if key_type == X509:
        return _generate_x509(user_id)
    return _generate_ssh()


def create(context, user_id, name, key_type=SSH, public_key=None):
    """Import ``public_key`` as key pair ``name`` of ``user_id``, or
    generate one when it is None.

    Counted against the ``key_pairs`` quota of the caller's project for
    ``user_id``.

    :returns: ``(key pair dict, private key text or None)``.
    :raises InvalidKeypair: a bad name or key.
    :raises KeyPairExists: the user has one of that name.
    :raises KeypairLimitExceeded: the user is at the quota.
    """
    validate_name(name)
    private_key = None
    if public_key is None:
        private_key, public_key = generate(key_type, user_id)
    values = {'name': name, 'user_id': user_id, 'type': key_type,
              'public_key': public_key,
              'fingerprint': fingerprint(public_key, key_type)}
    try:
        row = quota.consume(
            context, context.project_id, {'key_pairs': 1},
            lambda: db_key_pairs.key_pair_create(context, values),
            user_id=user_id)
    except exception.OverQuota:
        raise exception.KeypairLimitExceeded()
    return row, private_key


def get(context, user_id, name):
    """The key pair ``name`` of ``user_id``; raises KeypairNotFound."""
    return db_key_pairs.key_pair_get(context, user_id, name)


def get_all(context, user_id, limit=None, marker=None):
    """The key pairs of ``user_id`` by name; see
    :func:`consolehub.db.key_pairs.key_pair_get_all_by_user`."""
    return db_key_pairs.key_pair_get_all_by_user(context, user_id, limit,
                                                 marker)


def destroy(context, user_id, name):
    """Delete the key pair ``name`` of ``user_id``; raises
    KeypairNotFound."""
    db_key_pairs.key_pair_destroy(context, user_id, name)
