"""Self-signed TLS certificates made by the tests, with ``cryptography``.

    cert_path, key_path = certificates.self_signed(tmp_path)
"""

import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _private_key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def self_signed(directory, name='consolehub-test', combined=False):
    """Write a self-signed P-256 certificate for ``localhost`` and
    127.0.0.1, valid for a day, into ``directory``.

    :param combined: key and certificate in one file (as Nova's ``cert``
        option allows), whose path is returned twice.
    :returns: ``(cert_path, key_path)``.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName('localhost'),
            x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None),
                       critical=True)
        .sign(key, hashes.SHA256()))
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    cert_path = os.path.join(str(directory), name + '.crt')
    if combined:
        with open(cert_path, 'wb') as out:
            out.write(cert_pem + _private_key_pem(key))
        return cert_path, cert_path
    key_path = os.path.join(str(directory), name + '.key')
    with open(cert_path, 'wb') as out:
        out.write(cert_pem)
    with open(key_path, 'wb') as out:
        out.write(_private_key_pem(key))
    return cert_path, key_path
