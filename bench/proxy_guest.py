"""The fake guest and the process counters of ``bench.proxy``.

The guest is a forked process of TCP servers (a source writing at full
speed, a sink, a VNC banner then idle, an echo) that each path relays to;
the counters read CPU time and private memory from ``/proc`` (proc(5)).
"""

import os
import signal
import socketserver
import struct
import threading
import time


BANNER = b'RFB 003.008\n'
#: The guest's TCP servers: bulk source, bulk sink, VNC stand-in, echo.
TARGETS = ('source', 'sink', 'banner', 'echo')


# -- the guest ----------------------------------------------------------------

def _read_request(sock, layout):
    """The fields of a request of ``struct`` format ``layout`` read from
    ``sock``, or None if the peer hangs up first."""
    size = struct.calcsize(layout)
    head = b''
    while len(head) < size:
        chunk = sock.recv(size - len(head))
        if not chunk:
            return None
        head += chunk
    return struct.unpack(layout, head)


class _Source(socketserver.BaseRequestHandler):
    """Reads a 12-byte request (total, write size), writes that much."""

    def handle(self):
        request = _read_request(self.request, '!QI')
        if request is None:
            return
        total, size = request
        block = b'\x5a' * size
        view = memoryview(block)
        sent = 0
        try:
            while sent < total:
                count = min(size, total - sent)
                self.request.sendall(view[:count])
                sent += count
            while self.request.recv(65536):
                pass
        except OSError:
            pass


class _Sink(socketserver.BaseRequestHandler):
    """Reads an 8-byte total, then that many bytes, then answers 'D'."""

    def handle(self):
        request = _read_request(self.request, '!Q')
        if request is None:
            return
        total, = request
        buf = bytearray(1 << 20)
        got = 0
        try:
            while got < total:
                count = self.request.recv_into(buf)
                if not count:
                    return
                got += count
            self.request.sendall(b'D')
            while self.request.recv(65536):
                pass
        except OSError:
            pass


class _Banner(socketserver.BaseRequestHandler):
    """A VNC server stand-in: a banner, then silence until hung up."""

    def handle(self):
        try:
            self.request.sendall(BANNER)
            while self.request.recv(65536):
                pass
        except OSError:
            pass


class _Echo(socketserver.BaseRequestHandler):
    """Sends back whatever it reads, as it reads it."""

    def handle(self):
        try:
            while True:
                data = self.request.recv(65536)
                if not data:
                    return
                self.request.sendall(data)
        except OSError:
            pass


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 2048


def _run_guest(ports_out):
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.stack_size(256 * 1024)
    ports = []
    for handler in (_Source, _Sink, _Banner, _Echo):
        server = _Server(('127.0.0.1', 0), handler)
        ports.append(server.server_address[1])
        threading.Thread(target=server.serve_forever, daemon=True).start()
    os.write(ports_out, (' '.join(map(str, ports)) + '\n').encode())
    while True:
        time.sleep(3600)


def fork_servers(serve, *args):
    """Fork a process running ``serve(*args, ports_out)``, which listens
    and writes its ports, one per target, to the pipe ``ports_out``.

    :returns: ``(pid, {target: port})``, a target being each of
        ``TARGETS``.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            serve(*args, write_end)
        finally:
            os._exit(1)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        ports = [int(port) for port in pipe.readline().split()]
    return pid, dict(zip(TARGETS, ports))


def start_guest():
    """Fork the guest; returns ``(pid, {target: port})``."""
    return fork_servers(_run_guest)


# -- process counters ---------------------------------------------------------

_TICK = os.sysconf('SC_CLK_TCK')


def cpu_seconds(pid, children=False, system_only=False):
    """User + system CPU of ``pid`` (and of its reaped children).

    :param system_only: count only the time spent in the kernel.
    """
    with open('/proc/%d/stat' % pid) as stat:
        fields = stat.read().rsplit(')', 1)[1].split()
    # Fields 14-17 of proc(5), counted from the state field (index 0 = 3).
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    if system_only:
        utime = cutime = 0
    total = utime + stime + (cutime + cstime if children else 0)
    return total / _TICK


def thread_cpu_seconds(pid, tid):
    """User + system CPU of thread ``tid`` of process ``pid``."""
    with open('/proc/%d/task/%d/stat' % (pid, tid)) as stat:
        fields = stat.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def uss(pid):
    """Private (unshared) resident bytes of ``pid``."""
    total = 0
    with open('/proc/%d/smaps_rollup' % pid) as rollup:
        for line in rollup:
            if line.startswith(('Private_Clean:', 'Private_Dirty:',
                                'Private_Hugetlb:')):
                total += int(line.split()[1]) * 1024
    return total


def process_tree(pid):
    """``pid`` and its live child processes."""
    pids = [pid]
    try:
        with open('/proc/%d/task/%d/children' % (pid, pid)) as children:
            pids += [int(child) for child in children.read().split()]
    except OSError:
        pass
    return pids


def tree_uss(pid):
    total = 0
    for member in process_tree(pid):
        try:
            total += uss(member)
        except OSError:
            pass
    return total
