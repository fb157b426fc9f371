"""The console proxy's connection to a guest's console.

A console token names the guest's console by host and port and, for a
console behind a relay, an ``internal_access_path``: the proxy then
connects to the relay and asks it for the console with an HTTP
``CONNECT`` to that path, as Nova does. :mod:`consolehub.console.proxy`
calls these once per session, then hands the socket to
:class:`consolehub.console.relay.GuestLink`.
"""

import socket

#: Bytes of the guest's answer to an HTTP CONNECT we are willing to buffer.
MAX_CONNECT_RESPONSE = 8 * 1024


class TunnelError(Exception):
    """The guest's host refused our HTTP CONNECT."""


def _numeric_address(host, port):
    """getaddrinfo's answer for a literal IP address, or None for a name."""
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except OSError:
            continue
        address = (host, port) if family == socket.AF_INET else (
            host, port, 0, 0)
        return [(family, socket.SOCK_STREAM, 0, '', address)]
    return None


async def connect_socket(loop, host, port):
    """A connected non-blocking TCP socket to ``host``:``port``."""
    error = OSError('no address for %s' % host)
    addresses = _numeric_address(host, port)
    if addresses is None:
        # A name: resolved in the loop's thread pool.
        addresses = await loop.getaddrinfo(host, port,
                                           type=socket.SOCK_STREAM)
    for family, kind, proto, _name, address in addresses:
        sock = socket.socket(family, kind, proto)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        except BaseException:
            sock.close()
            raise
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    raise error


async def tunnel(loop, sock, path):
    """HTTP CONNECT ``path`` over ``sock``; returns bytes after the answer.

    :raises TunnelError: if the relay refuses or answers nonsense.
    """
    if any(char in path for char in ' \r\n'):
        raise TunnelError('bad internal access path')
    await loop.sock_sendall(sock, b'CONNECT %s HTTP/1.1\r\n\r\n'
                            % path.encode('utf-8'))
    head = b''
    while b'\r\n\r\n' not in head:
        if len(head) > MAX_CONNECT_RESPONSE:
            raise TunnelError('CONNECT answer too long')
        chunk = await loop.sock_recv(sock, MAX_CONNECT_RESPONSE)
        if not chunk:
            raise TunnelError('CONNECT to the console failed')
        head += chunk
    head, rest = head.split(b'\r\n\r\n', 1)
    status = head.split(b'\r\n', 1)[0].split()
    if len(status) < 2 or status[1] != b'200':
        raise TunnelError('CONNECT refused')
    return rest
