"""TLS for the console proxy's listeners, from Nova's options.

``[DEFAULT] ssl_only``, ``cert`` and ``key`` mean what they mean for
Nova's console proxies: with ``ssl_only`` every listener serves
``https://`` pages and ``wss://`` websockets with that certificate and
key. A shared leaf: the proxy's service passes the context of
:func:`server_context` to ``websockets``' ``serve(..., ssl=context)``.
"""

import ssl

from consolehub.conf import CONF
from consolehub import exception


def server_context():
    """A server-side :class:`ssl.SSLContext` of ``[DEFAULT] cert`` and
    ``key``, or None when ``ssl_only`` is false.

    Python's defaults for servers (``ssl.create_default_context``): TLS
    1.2 or later, no compression, the OpenSSL cipher list of the
    distribution; ALPN offers HTTP/1.1, the protocol websockets upgrade.

    :raises TLSConfigInvalid: the files cannot be read, are not PEM, or
        the key does not match the certificate.
    """
    if not CONF.ssl_only:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.set_alpn_protocols(['http/1.1'])
    try:
        context.load_cert_chain(CONF.cert, CONF.key or None)
    except (OSError, ssl.SSLError) as error:
        # OSError: missing or unreadable; SSLError: not PEM, or a key
        # that is not the certificate's.
        raise exception.TLSConfigInvalid(
            cert=CONF.cert, reason=getattr(error, 'strerror', None) or
            str(error))
    return context
