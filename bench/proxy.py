"""Benchmark the console proxy against stock websockify and direct TCP.

One run starts a fake guest (TCP servers: a source writing at full speed,
a sink, and a banner-then-idle console), our proxy
(``consolehub-novncproxy`` on SQLite, one-time tokens on), stock
websockify (forking, numpy unmasking, a token file) and drives all three
paths with the same client (``websockets``' asyncio client without
permessage-deflate, or raw asyncio TCP for the direct path):

* throughput guest -> browser with 64 KiB and 4 KiB guest writes, and
  browser -> guest with 64 KiB and 4 KiB client messages, in MB/s, with
  the proxy's CPU seconds per GB relayed (user + system from
  ``/proc/PID/stat``, plus reaped children's for websockify);
* echo round trips of 16-byte and 4 KiB messages, one at a time (what a
  keystroke or a request waits for its answer), median and p99;
* connection setup: upgrade, token check (and, for us, consumption and
  the session record) until the guest's first byte, median and p99;
* concurrent idle sessions held open, and the private memory (USS) each
  costs over the idle process (websockify: the sum over its processes).

Beside them, for throughput and round trips, a plain TCP relay (blocking
copies, no websocket) shows what loopback TCP alone costs any relay on
this machine; and ``consolehub+rec``, the same proxy process with tokens
that ask for a recorded session (``--paths consolehub,consolehub+rec``),
shows what recording costs: the copy handed to the recorder, and the
recorder's writer thread writing every byte to ``[console]
record_directory``.

Run from the repository root with the websockify of another venv::

    python -m bench.proxy --websockify /tmp/wsify-venv/bin/websockify

"""

import argparse
import asyncio
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from websockets.asyncio import client as ws_client

from bench import proxy_guest
from bench import proxy_measurements as measurements

BIN_DIR = os.path.dirname(sys.executable)
MB = 1e6
GB = 1e9
#: ``[console] record_max_bytes`` of the proxy: whole transfers recorded.
RECORD_MAX_BYTES = 1 << 40
#: ``[console] record_queue_bytes`` of the proxy.
RECORD_QUEUE_BYTES = 512 << 20


# -- the three paths ----------------------------------------------------------

class Path(object):
    """How the client reaches one guest port through one path."""

    name = None
    pid = None
    children = False
    #: Whether each connection needs a new URL (a one-time token).
    fresh_url_per_connection = False
    #: The measurements this path takes part in.
    parts = ('throughput', 'round-trip', 'setup', 'sessions')

    async def open(self, target):
        """``(send, recv, close)`` coroutines for a new connection."""
        raise NotImplementedError()

    def cpu(self, system_only=False):
        """CPU seconds of the proxy's processes, live and reaped."""
        if self.pid is None:
            return 0.0
        total = proxy_guest.cpu_seconds(self.pid, True, system_only)
        for child in proxy_guest.process_tree(self.pid)[1:]:
            try:
                total += proxy_guest.cpu_seconds(child, False, system_only)
            except OSError:
                pass  # it ended: its CPU moves to the parent's counters
        return total

    def loop_cpu(self):
        """CPU seconds of the proxy's event loop thread (its main
        thread), or None where that means nothing."""
        return None

    def settle(self):
        """Wait until the children of finished sessions are gone."""


class Direct(Path):
    name = 'direct TCP'

    def __init__(self, guest_ports):
        self.ports = guest_ports

    async def open(self, target):
        reader, writer = await asyncio.open_connection(
            '127.0.0.1', self.ports[target], limit=1 << 20)

        async def send(data):
            writer.write(data)
            await writer.drain()

        async def recv():
            data = await reader.read(1 << 20)
            if not data:
                raise ConnectionError('closed')
            return data

        async def close():
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass
        return send, recv, close


def _pump(source, destination):
    """Copy ``source`` to ``destination`` (sockets) until end of file."""
    buffer = memoryview(bytearray(256 * 1024))
    try:
        while True:
            count = source.recv_into(buffer)
            if not count:
                break
            destination.sendall(buffer[:count])
        destination.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def _run_relay(guest_ports, ports_out):
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))

    def serve(listener, guest_port):
        while True:
            client, _address = listener.accept()
            guest = socket.create_connection(('127.0.0.1', guest_port))
            for pair in ((client, guest), (guest, client)):
                threading.Thread(target=_pump, args=pair,
                                 daemon=True).start()

    ports = []
    for target in proxy_guest.TARGETS:
        listener = socket.create_server(('127.0.0.1', 0), backlog=128)
        ports.append(listener.getsockname()[1])
        threading.Thread(target=serve, args=(listener, guest_ports[target]),
                         daemon=True).start()
    os.write(ports_out, (' '.join(map(str, ports)) + '\n').encode())
    while True:
        time.sleep(3600)


class TcpRelay(Direct):
    """The floor of any relay on this machine: a plain TCP forwarder.

    A forked process copies bytes both ways with blocking ``recv_into``
    and ``sendall`` (256 KiB reads, a thread per direction): no websocket
    framing, no masking, no event loop. Its CPU per GB is what the kernel
    charges a user-space relay for loopback TCP, beside which the
    proxies' figures read. The client is the direct path's.
    """

    name = 'TCP relay'
    parts = ('throughput', 'round-trip')

    def __init__(self, guest_ports):
        self.pid, ports = proxy_guest.fork_servers(_run_relay, guest_ports)
        super().__init__(ports)

    def stop(self):
        os.kill(self.pid, signal.SIGTERM)
        os.waitpid(self.pid, 0)


class _WebsocketPath(Path):
    def url(self, target):
        raise NotImplementedError()

    async def open(self, target):
        websocket = await ws_client.connect(
            self.url(target), compression=None, max_size=None,
            open_timeout=30, ping_interval=None, proxy=None)
        return websocket.send, websocket.recv, websocket.close


class Ours(_WebsocketPath):
    name = 'consolehub'
    fresh_url_per_connection = True

    def __init__(self, state_path, guest_ports):
        from consolehub.conf import CONF
        self.port = _free_port()
        self.config = os.path.join(state_path, 'proxy.conf')
        with open(self.config, 'w') as config:
            config.write(
                '[DEFAULT]\nstate_path = %s\nlog_file = %s\n'
                '[database]\nconnection = sqlite:///%s/consolehub.sqlite\n'
                '[vnc]\nnovncproxy_host = 127.0.0.1\nnovncproxy_port = %d\n'
                # No compute agent here to ask: bench.production
                # measures set-ups with the RPC check.
                '[console]\nmax_sessions_per_instance = 0\n'
                'max_viewers_per_instance = 0\n'
                'validate_console_port = false\n'
                # consolehub+rec records whole transfers (each deleted
                # once measured), with room to queue what two busy
                # cores leave the writer behind.
                'record_max_bytes = %d\nrecord_queue_bytes = %d\n'
                '[consoleauth]\ntoken_ttl = 3600\nsingle_use = true\n'
                % (state_path, os.path.join(state_path, 'proxy.log'),
                   state_path, self.port, RECORD_MAX_BYTES,
                   RECORD_QUEUE_BYTES))
        CONF(['--config-file', self.config], project='consolehub',
             default_config_files=[])
        from consolehub import context
        from consolehub.objects import instance as instance_obj
        from consolehub.db import migration
        migration.db_sync()
        self._context = context.RequestContext(project_id='bench',
                                               user_id='bench')
        self._instance = instance_obj.create(self._context, 'bench', 64,
                                             1, 'bench')
        self.guest_ports = guest_ports
        self._log = open(os.path.join(state_path, 'proxy.out'), 'ab')
        self.process = subprocess.Popen(
            [os.path.join(BIN_DIR, 'consolehub-novncproxy'),
             '--config-file', self.config],
            stdout=self._log, stderr=subprocess.STDOUT)
        self.pid = self.process.pid
        _wait_for_port(self.port, self.process)

    def loop_cpu(self):
        return proxy_guest.thread_cpu_seconds(self.pid, self.pid)

    def mint(self, target, record=False):
        from consolehub.objects import console_auth_token
        raw_token, _row = console_auth_token.mint(
            self._context, ('vnc', 'novnc'), '127.0.0.1',
            self.guest_ports[target], self._instance['uuid'],
            record=record)
        return raw_token

    def url(self, target, token=None):
        return 'ws://127.0.0.1:%d/?token=%s' % (
            self.port, token or self.mint(target))

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(60)
        self._log.close()


class OursRecorded(_WebsocketPath):
    """Our proxy (the same process as :class:`Ours`), every session
    recorded: its CPU per GB beside ``consolehub``'s is the cost of
    recording. Recordings of earlier transfers are deleted before each
    connection, so the disk holds one at a time."""

    name = 'consolehub+rec'
    fresh_url_per_connection = True
    parts = ('throughput', 'round-trip')

    def __init__(self, ours):
        from consolehub.conf import CONF
        self.ours = ours
        self.pid = ours.pid
        self.directory = CONF.console.record_directory

    def loop_cpu(self):
        return self.ours.loop_cpu()

    def url(self, target):
        for name in os.listdir(self.directory) if os.path.isdir(
                self.directory) else ():
            os.unlink(os.path.join(self.directory, name))
        return self.ours.url(target, self.ours.mint(target, record=True))

    def truncations(self):
        """The proxy's log lines saying it cut a recording short."""
        with open(os.path.join(os.path.dirname(self.ours.config),
                               'proxy.log')) as log:
            return [line.strip() for line in log if 'truncated' in line]


class Websockify(_WebsocketPath):
    name = 'websockify'
    children = True

    def __init__(self, binary, state_path, guest_ports):
        self.port = _free_port()
        token_file = os.path.join(state_path, 'websockify.tokens')
        with open(token_file, 'w') as tokens_out:
            for target, port in guest_ports.items():
                tokens_out.write('%s: 127.0.0.1:%d\n' % (target, port))
        self._log = open(os.path.join(state_path, 'websockify.out'), 'ab')
        self.process = subprocess.Popen(
            [binary, '--token-plugin', 'TokenFile', '--token-source',
             token_file, '127.0.0.1:%d' % self.port],
            stdout=self._log, stderr=subprocess.STDOUT)
        self.pid = self.process.pid
        _wait_for_port(self.port, self.process)

    def url(self, target):
        return 'ws://127.0.0.1:%d/?token=%s' % (self.port, target)

    def settle(self):
        deadline = time.monotonic() + 5
        while (len(proxy_guest.process_tree(self.pid)) > 1 and
               time.monotonic() < deadline):
            time.sleep(0.05)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for pid in proxy_guest.process_tree(self.pid)[1:]:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self._log.close()


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _wait_for_port(port, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError('exited with %s' % process.returncode)
        try:
            socket.create_connection(('127.0.0.1', port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError('port %d never opened' % port)


def _raise_file_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _pct(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run(args, paths):
    skip = args.skip.split(',')
    if 'throughput' not in skip:
        await run_throughput(args, paths)
    if 'round-trip' not in skip:
        await run_round_trips(args, paths)
    if 'setup' not in skip:
        await run_setup(args, paths)
    if 'sessions' not in skip:
        await run_sessions(args, paths)


async def run_throughput(args, paths):
    print('== throughput (MB/s; proxy CPU s per GB relayed, of which '
          'in the kernel, and in our event loop\'s thread) ==')
    paths = [path for path in paths if 'throughput' in path.parts]
    print('%-26s' % 'case' + ''.join('%40s' % path.name for path in paths))
    cases = [('guest->browser 64 KiB', 'down', 65536, args.megabytes),
             ('guest->browser 4 KiB', 'down', 4096, args.megabytes // 2),
             ('browser->guest 64 KiB', 'up', 65536, args.megabytes),
             ('browser->guest 4 KiB', 'up', 4096, args.megabytes // 4)]
    for label, direction, size, megabytes in cases:
        total = megabytes * 1024 * 1024
        cells = []
        for path in paths:
            # Best of the repeats: the client shares two cores with the
            # proxy and the guest.
            best = max([
                await measurements.throughput(path, direction, total, size)
                for _ in range(args.repeat)])
            if path.pid is None:
                cells.append('%6.0f MB/s' % best[0])
            elif best[3] is None:
                cells.append('%6.0f MB/s %4.2f s/GB (%4.2f sys)' % best[:3])
            else:
                cells.append('%6.0f MB/s %4.2f s/GB (%4.2f sys, %4.2f loop)'
                             % best)
        print('%-26s' % label + ''.join('%40s' % cell for cell in cells))
        sys.stdout.flush()


async def run_round_trips(args, paths):
    print('\n== echo round trips, one message at a time (ms, n=%d) =='
          % args.round_trips)
    for size in (16, 4096):
        for path in paths:
            if 'round-trip' not in path.parts:
                continue
            times = await measurements.round_trips(path, size,
                                                   args.round_trips)
            print('%-12s %5d B  median %6.3f  p99 %6.3f  max %6.2f' % (
                path.name, size, statistics.median(times),
                _pct(times, 0.99), max(times)))
            sys.stdout.flush()


async def run_setup(args, paths):
    print('\n== connection setup to first guest byte (ms, n=%d) =='
          % args.setups)
    for path in paths:
        if 'setup' not in path.parts:
            continue
        times = await measurements.setup_times(path, args.setups)
        print('%-12s median %6.2f  p99 %6.2f  max %6.2f' % (
            path.name, statistics.median(times), _pct(times, 0.99),
            max(times)))
        sys.stdout.flush()


async def run_sessions(args, paths):
    print('\n== %d concurrent idle sessions held %ds ==' % (
        args.sessions, args.hold))
    for path in paths:
        if 'sessions' not in path.parts:
            continue
        result = await measurements.hold_sessions(path, args.sessions,
                                                  args.hold)
        if path.pid is None:
            print('%-12s opened %5d  alive %5d' % (
                path.name, result['opened'], result['alive']))
        else:
            print('%-12s opened %5d  alive %5d  processes %5d  USS idle '
                  '%6.1f MB -> %7.1f MB  = %6.1f KB per session' % (
                      path.name, result['opened'], result['alive'],
                      result['processes'], result['uss_before'] / MB,
                      result['uss_after'] / MB,
                      result['per_session'] / 1024))
        sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--websockify', default='websockify',
                        help='websockify executable (stock, from PyPI)')
    parser.add_argument('--megabytes', type=int, default=1024,
                        help='MiB per throughput transfer')
    parser.add_argument('--repeat', type=int, default=2)
    parser.add_argument('--round-trips', type=int, default=2000)
    parser.add_argument('--setups', type=int, default=500)
    parser.add_argument('--sessions', type=int, default=1000)
    parser.add_argument('--hold', type=int, default=5)
    parser.add_argument('--paths',
                        default='consolehub,websockify,direct,relay',
                        help='comma-separated subset of the paths: '
                             'consolehub, websockify, direct, relay (a '
                             'plain TCP forwarder, throughput and round '
                             'trips only) and consolehub+rec (every '
                             'session recorded, the same)')
    parser.add_argument('--skip', default='',
                        help='comma-separated parts to skip: throughput, '
                             'round-trip, setup, sessions')
    args = parser.parse_args()
    _raise_file_limit()
    guest_pid, ports = proxy_guest.start_guest()
    paths = []
    extra_paths = []  # started, not measured
    with tempfile.TemporaryDirectory() as state_path:
        try:
            wanted = args.paths.split(',')
            if 'consolehub' in wanted or 'consolehub+rec' in wanted:
                ours = Ours(state_path, ports)
                if 'consolehub' in wanted:
                    paths.append(ours)
                else:
                    extra_paths.append(ours)
                if 'consolehub+rec' in wanted:
                    paths.append(OursRecorded(ours))
            if 'websockify' in wanted:
                paths.append(Websockify(args.websockify, state_path, ports))
            if 'direct' in wanted:
                paths.append(Direct(ports))
            if 'relay' in wanted:
                paths.append(TcpRelay(ports))
            print('client, proxies and guest on %d CPUs; python %s' % (
                os.cpu_count(), sys.version.split()[0]))
            asyncio.run(run(args, paths))
            for path in paths:
                if isinstance(path, OursRecorded):
                    cut = path.truncations()
                    print('\nrecordings truncated: %d' % len(cut))
                    for line in cut:
                        print('  ' + line)
        finally:
            for path in paths + extra_paths:
                if hasattr(path, 'stop'):
                    path.stop()
            os.kill(guest_pid, signal.SIGTERM)
            os.waitpid(guest_pid, 0)


if __name__ == '__main__':
    main()
