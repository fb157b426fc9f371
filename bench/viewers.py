"""Benchmark many view-only viewers of one guest against one viewer.

One run starts a fake guest VNC server (a forked process speaking RFB
3.8, RFC 6143: security None, then a raw FramebufferUpdate of
``--update-kib`` KiB for every FramebufferUpdateRequest, to each client
as QEMU's VNC server serves each of its clients) and the console proxy
(``consolehub-novncproxy`` on SQLite, as ``bench.proxy`` starts it), and
drives side by side, each for ``--seconds``:

* one full session (the relay's hot path, the baseline);
* one view-only session (its input parsed by ``rfb_filter``);
* ``--viewers`` view-only sessions of the same guest at once.

Each client keeps ``--outstanding`` update requests in flight. For each
case it prints the bytes per second delivered to all its clients
together and to each, and the proxy's CPU seconds per second and per GB
delivered (user + system from ``/proc/PID/stat``). Run from the
repository root::

    python -m bench.viewers

"""

import argparse
import asyncio
import os
import signal
import socket
import socketserver
import struct
import sys
import tempfile
import time

from websockets.asyncio import client as ws_client
from websockets import exceptions as ws_exceptions

from bench import proxy
from bench import proxy_guest

MB = 1e6
GB = 1e9
#: The fake guest's framebuffer.
WIDTH, HEIGHT = 1024, 768
#: Client message sizes of the fake server's parser (RFC 6143, 7.5), by
#: type, without the type byte; SetEncodings and ClientCutText are
#: variable.
_FIXED = {0: 19, 3: 9, 4: 7, 5: 5}


# -- the fake guest -----------------------------------------------------------

def _recv_exactly(sock, size):
    data = b''
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError('client gone')
        data += chunk
    return data


def _update(kib):
    """One FramebufferUpdate of one raw rectangle of about ``kib`` KiB."""
    height = max(1, kib * 1024 // (WIDTH * 4))
    pixels = bytes(range(256)) * (WIDTH * height * 4 // 256)
    return (struct.pack('!BxH', 0, 1) +
            struct.pack('!HHHHi', 0, 0, WIDTH, height, 0) + pixels)


def _serve(update, ports_out):
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    server_init = (struct.pack('!HH', WIDTH, HEIGHT) +
                   struct.pack('!BBBBHHHBBBxxx', 32, 24, 0, 1, 255, 255,
                               255, 16, 8, 0) +
                   struct.pack('!I', 5) + b'bench')

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            sock = self.request
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                sock.sendall(proxy_guest.BANNER)
                _recv_exactly(sock, 12)
                sock.sendall(b'\x01\x01')  # one security type: None
                _recv_exactly(sock, 1)
                sock.sendall(b'\x00\x00\x00\x00')  # SecurityResult: OK
                _recv_exactly(sock, 1)  # ClientInit
                sock.sendall(server_init)
                while True:
                    kind = _recv_exactly(sock, 1)[0]
                    if kind == 2:
                        count = struct.unpack(
                            '!xH', _recv_exactly(sock, 3))[0]
                        _recv_exactly(sock, 4 * count)
                    elif kind == 6:
                        length = struct.unpack(
                            '!xxxI', _recv_exactly(sock, 7))[0]
                        _recv_exactly(sock, length)
                    else:
                        _recv_exactly(sock, _FIXED[kind])
                    if kind == 3:
                        sock.sendall(update)
            except (ConnectionError, OSError, KeyError):
                pass

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = 256

    server = Server(('127.0.0.1', 0), Handler)
    os.write(ports_out, b'%d\n' % server.server_address[1])
    server.serve_forever()


def start_guest(update):
    """Fork the fake guest; returns ``(pid, port)``."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            _serve(update, write_end)
        finally:
            os._exit(1)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        return pid, int(pipe.readline())


# -- the proxy ----------------------------------------------------------------

class Proxy(proxy.Ours):
    """``bench.proxy``'s consolehub path, minting view-only tokens too."""

    def mint(self, target, view_only=False):
        from consolehub.objects import console_auth_token
        raw_token, _row = console_auth_token.mint(
            self._context, ('vnc', 'novnc'), '127.0.0.1',
            self.guest_ports[target], self._instance['uuid'],
            view_only=view_only)
        return raw_token


# -- the viewers --------------------------------------------------------------

class Viewer(object):
    """One RFB client through the proxy, counting the bytes it gets."""

    def __init__(self, websocket, update_size, outstanding):
        self.websocket = websocket
        self.update_size = update_size
        self.outstanding = outstanding
        self.received = 0

    #: Upgrades answered 503 (database busy) and tried again, as a
    #: client honouring ``Retry-After`` does.
    retried = 0

    @classmethod
    async def connect(cls, url, update_size, outstanding):
        for attempt in range(5):
            try:
                websocket = await ws_client.connect(
                    url, compression=None, max_size=None, open_timeout=30,
                    ping_interval=None, proxy=None)
                break
            except ws_exceptions.InvalidStatus as error:
                if error.response.status_code != 503 or attempt == 4:
                    raise
                Viewer.retried += 1
                await asyncio.sleep(float(
                    error.response.headers.get('Retry-After', '1')))
        buffer = b''

        async def read(size):
            nonlocal buffer
            while len(buffer) < size:
                buffer += await websocket.recv()
            data, buffer = buffer[:size], buffer[size:]
            return data

        assert await read(12) == proxy_guest.BANNER
        await websocket.send(proxy_guest.BANNER)
        count = (await read(1))[0]
        assert 1 in await read(count)
        await websocket.send(b'\x01')
        assert await read(4) == b'\x00\x00\x00\x00'
        await websocket.send(b'\x00')  # exclusive: the proxy shares it
        name_length = struct.unpack('!I', (await read(24))[20:])[0]
        await read(name_length)
        await websocket.send(struct.pack('!BxHi', 2, 1, 0))  # Raw
        assert not buffer
        return cls(websocket, update_size, outstanding)

    def _request(self):
        return self.websocket.send(struct.pack('!BBHHHH', 3, 1, 0, 0,
                                               WIDTH, HEIGHT))

    async def run(self):
        """Keep ``outstanding`` requests in flight until cancelled."""
        for _number in range(self.outstanding):
            await self._request()
        answered = 0
        while True:
            self.received += len(await self.websocket.recv())
            while (self.received // self.update_size) > answered:
                answered += 1
                await self._request()


async def measure(path, viewers, view_only, seconds, update_size,
                  outstanding):
    """``(bytes/s to all viewers, proxy CPU s/s)`` over ``seconds``."""
    clients = await asyncio.gather(*[
        Viewer.connect(path.url('vnc', path.mint('vnc', view_only)),
                       update_size, outstanding)
        for _number in range(viewers)])
    tasks = [asyncio.ensure_future(client.run()) for client in clients]
    try:
        await asyncio.sleep(1)  # warm up: every pipe full
        received, cpu = sum(c.received for c in clients), path.cpu()
        started = time.monotonic()
        await asyncio.sleep(seconds)
        elapsed = time.monotonic() - started
        received = sum(c.received for c in clients) - received
        cpu = path.cpu() - cpu
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*[client.websocket.close()
                               for client in clients],
                             return_exceptions=True)
    return received / elapsed, cpu / elapsed


async def run(args, path):
    update_size = len(_update(args.update_kib))
    print('client, proxy and guest on %d CPUs; python %s; %d-byte '
          'updates, %d in flight per client, %d s per case' % (
              os.cpu_count(), sys.version.split()[0], update_size,
              args.outstanding, args.seconds))
    print('%-28s %12s %14s %12s %10s' % (
        'case', 'MB/s total', 'MB/s per client', 'proxy CPU', 'CPU s/GB'))
    for label, viewers, view_only in (
            ('1 full session', 1, False),
            ('1 view-only viewer', 1, True),
            ('%d view-only viewers' % args.viewers, args.viewers, True)):
        rate, cpu = await measure(path, viewers, view_only, args.seconds,
                                  update_size, args.outstanding)
        print('%-28s %12.0f %14.1f %11.0f%% %10.2f' % (
            label, rate / MB, rate / viewers / MB, cpu * 100,
            cpu / (rate / GB) if rate else float('nan')))
        sys.stdout.flush()
    if Viewer.retried:
        print('%d upgrades answered 503 (database busy) and tried again'
              % Viewer.retried)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--viewers', type=int, default=50)
    parser.add_argument('--seconds', type=float, default=10)
    parser.add_argument('--update-kib', type=int, default=256,
                        help='KiB of each framebuffer update')
    parser.add_argument('--outstanding', type=int, default=2,
                        help='update requests each client keeps in flight')
    args = parser.parse_args()
    proxy._raise_file_limit()
    guest_pid, port = start_guest(_update(args.update_kib))
    path = None
    with tempfile.TemporaryDirectory() as state_path:
        try:
            path = Proxy(state_path, {'vnc': port})
            asyncio.run(run(args, path))
        finally:
            if path is not None:
                path.stop()
            os.kill(guest_pid, signal.SIGTERM)
            os.waitpid(guest_pid, 0)


if __name__ == '__main__':
    main()
