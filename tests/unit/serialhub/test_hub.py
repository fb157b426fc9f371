"""The serial hub against real sockets on 127.0.0.1.

A listening socket stands in for QEMU's TCP serial port: the hub
connects to it as QEMU's one client, and the test plays the guest on the
accepted connection. Sessions are plain TCP clients speaking the hub's
preamble, as the console proxy does.
"""

import socket
import threading

import pytest

from consolehub.serialhub import hub as hub_module
from consolehub.serialhub import protocol
from tests.waiting import wait_for

TIMEOUT = 10


class FakeSerialPort(object):
    """QEMU's serial port: accepts the hub, then is the guest's side."""

    def __init__(self):
        self.listener = socket.create_server(('127.0.0.1', 0))
        self.address = self.listener.getsockname()
        self.conn = None

    def accept(self):
        self.listener.settimeout(TIMEOUT)
        self.conn, _peer = self.listener.accept()
        self.conn.settimeout(TIMEOUT)
        return self.conn

    def write(self, data):
        self.conn.sendall(data)

    def read_until(self, wanted):
        data = b''
        while wanted not in data:
            chunk = self.conn.recv(65536)
            assert chunk, 'the hub closed the serial port; read %r' % data
            data += chunk
        return data

    def close(self):
        for sock in (self.conn, self.listener):
            if sock is not None:
                sock.close()


class Client(object):
    """A session of the hub: a TCP client that sent its preamble."""

    def __init__(self, hub, role, preamble=None):
        self.sock = socket.create_connection(('127.0.0.1', hub.port),
                                             TIMEOUT)
        self.sock.settimeout(TIMEOUT)
        self.received = b''
        if preamble is None:
            preamble = protocol.preamble(role)
        if preamble:
            self.sock.sendall(preamble)

    def read_until(self, wanted):
        while wanted not in self.received:
            chunk = self.sock.recv(65536)
            assert chunk, 'closed; read %r' % self.received
            self.received += chunk
        return self.received

    def read_to_end(self):
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                return self.received
            self.received += chunk

    def notices(self):
        return [(state.decode(), words.decode()) for state, words in
                protocol.NOTICE_PATTERN.findall(self.received)]

    def wait_notice(self, state, count=1):
        """Read until the ``count``-th notice of ``state``."""
        while [s for s, _w in self.notices()].count(state) < count:
            chunk = self.sock.recv(65536)
            assert chunk, 'closed; read %r' % self.received
            self.received += chunk
        return self.notices()

    def send(self, data):
        self.sock.sendall(data)

    def close(self):
        self.sock.close()


@pytest.fixture
def serial_port():
    port = FakeSerialPort()
    yield port
    port.close()


@pytest.fixture
def make_hub(serial_port):
    hubs = []

    def make(**kwargs):
        ended = threading.Event()
        hub = hub_module.SerialHub(
            'instance-test', serial_port.address, '127.0.0.1', [0],
            on_end=lambda _hub: ended.set(), **kwargs)
        hub.start()
        serial_port.accept()
        hub.ended_called = ended
        hubs.append(hub)
        return hub

    yield make
    for hub in hubs:
        assert hub.stop(timeout=TIMEOUT)


def _joined(hub, writer, viewers):
    return wait_for(lambda: hub.counts() == {'writer': writer,
                                             'viewers': viewers},
                    TIMEOUT, message=lambda: 'counts %r' % hub.counts())


def test_fan_out_in_order_to_every_session(make_hub, serial_port):
    hub = make_hub()
    writer = Client(hub, protocol.WRITE)
    readers = [Client(hub, protocol.READ) for _ in range(3)]
    _joined(hub, 1, 3)
    chunks = [b'line %04d\r\n' % number for number in range(500)]
    for chunk in chunks:
        serial_port.write(chunk)
    expected = b''.join(chunks)
    for client in [writer] + readers:
        received = client.read_until(chunks[-1])
        assert received[received.index(chunks[0]):] == expected
    assert writer.notices() == [('writer', 'you are the writer; your keys '
                                           'go to the guest')]
    assert [reader.notices() for reader in readers] == [
        [('viewer', 'view only')]] * 3


def test_late_joiner_gets_the_last_screenful_first(make_hub, serial_port):
    hub = make_hub(scrollback_bytes=1024)
    first = Client(hub, protocol.READ)
    _joined(hub, 0, 1)
    lines = [b'boot line %03d\r\n' % number for number in range(200)]
    serial_port.write(b''.join(lines))
    first.read_until(lines[-1])
    late = Client(hub, protocol.READ)
    received = late.wait_notice('viewer')
    scrollback = late.received[:late.received.index(b'\r\n[serial console')]
    assert 0 < len(scrollback) <= 1024
    # Whole lines, the last ones, in order.
    assert scrollback.startswith(b'boot line ')
    assert scrollback == b''.join(lines)[-len(scrollback):]
    assert received == [('viewer', 'view only')]
    serial_port.write(b'after\r\n')
    assert late.read_until(b'after\r\n').endswith(b'after\r\n')


def test_one_writer_and_viewer_input_dropped(make_hub, serial_port):
    hub = make_hub()
    writer = Client(hub, protocol.WRITE)
    writer.wait_notice('writer')
    second = Client(hub, protocol.WRITE)
    viewer = Client(hub, protocol.READ)
    assert second.wait_notice('viewer') == [
        ('viewer', 'session 1 is the writer; you are a viewer')]
    viewer.wait_notice('viewer')
    second.send(b'rm -rf /second\r')
    viewer.send(b'rm -rf /viewer\r')
    writer.send(b'echo from-writer\r')
    received = serial_port.read_until(b'echo from-writer\r')
    assert received == b'echo from-writer\r'


def test_take_over_demotes_the_writer_and_tells_it(make_hub, serial_port):
    hub = make_hub()
    old = Client(hub, protocol.WRITE)
    old.wait_notice('writer')
    new = Client(hub, protocol.TAKEOVER)
    assert new.wait_notice('writer')[-1][0] == 'writer'
    notices = old.wait_notice('viewer')
    assert notices[-1] == ('viewer', 'session 2 took over; you are a viewer '
                                     'now and your keys are dropped')
    _joined(hub, 1, 1)
    old.send(b'from-old\r')
    new.send(b'from-new\r')
    assert serial_port.read_until(b'from-new\r') == b'from-new\r'


def test_writer_leaving_promotes_the_oldest_full_session(make_hub,
                                                         serial_port):
    hub = make_hub()
    writer = Client(hub, protocol.WRITE)
    writer.wait_notice('writer')
    view_only = Client(hub, protocol.READ)
    view_only.wait_notice('viewer')
    waiting = Client(hub, protocol.WRITE)
    waiting.wait_notice('viewer')
    writer.close()
    assert waiting.wait_notice('writer')[-1] == (
        'writer', 'the writer left; you are the writer now and your keys go '
                  'to the guest')
    _joined(hub, 1, 1)
    waiting.send(b'promoted\r')
    assert serial_port.read_until(b'promoted\r') == b'promoted\r'
    assert [s for s, _w in view_only.notices()] == ['viewer']


def test_guest_port_closing_ends_every_session(make_hub, serial_port):
    hub = make_hub()
    clients = [Client(hub, protocol.WRITE)] + [
        Client(hub, protocol.READ) for _ in range(3)]
    _joined(hub, 1, 3)
    port = hub.port
    threads_before = threading.active_count()
    serial_port.conn.close()
    for client in clients:
        received = client.read_to_end()
        assert protocol.notice(protocol.ENDED,
                               "the guest's serial port closed") in received
    assert hub.wait(TIMEOUT)
    assert hub.ended_called.wait(TIMEOUT)
    assert not hub.alive
    assert hub.end_reason == "the guest's serial port closed"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(('127.0.0.1', port), TIMEOUT)
    wait_for(lambda: threading.active_count() < threads_before, TIMEOUT,
             message='the hub thread ends')


def test_stop_ends_every_session_with_its_reason(make_hub):
    hub = make_hub()
    client = Client(hub, protocol.READ)
    client.wait_notice('viewer')
    assert hub.stop('the instance is being deleted', timeout=TIMEOUT)
    assert client.read_to_end().endswith(protocol.notice(
        protocol.ENDED, 'the instance is being deleted'))
    assert hub.stop(timeout=TIMEOUT)  # again: nothing more to do


def test_slow_reader_is_dropped_and_memory_bounded(make_hub, serial_port):
    hub = make_hub(client_buffer_bytes=64 * 1024)
    slow = socket.create_connection(('127.0.0.1', hub.port), TIMEOUT)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.sendall(protocol.preamble(protocol.READ))
    fast = Client(hub, protocol.READ)
    _joined(hub, 0, 2)
    block = b'x' * 65535 + b'\n'
    total = 0
    # Far more than the slow reader's bound plus the sockets' buffers.
    while hub.counts()['viewers'] == 2:
        assert total < 64 * 1024 * 1024, 'the slow reader was never dropped'
        serial_port.write(block)
        total += len(block)
        fast.read_until(b'x' * 65535 + b'\n')
        fast.received = b''
    assert hub.counts() == {'writer': 0, 'viewers': 1}
    serial_port.write(b'still here\r\n')
    assert fast.read_until(b'still here\r\n')
    slow.close()


def test_bad_preamble_is_refused(make_hub):
    hub = make_hub()
    client = Client(hub, None, preamble=b'GET / HTTP/1.1\r\n')
    received = client.read_to_end()
    assert b'[serial console: refused - not a consolehub-serial/1' in received
    client = Client(hub, None, preamble=b'consolehub-serial/1 ' +
                    b'a' * protocol.MAX_PREAMBLE)
    assert b'[serial console: refused - the preamble is too long]' in (
        client.read_to_end())
    assert hub.counts() == {'writer': 0, 'viewers': 0}


def test_missing_preamble_times_out(make_hub, monkeypatch):
    monkeypatch.setattr(hub_module, 'PREAMBLE_TIMEOUT', 0.2)
    hub = make_hub()
    client = Client(hub, None, preamble=b'')
    assert b'refused - no preamble within' in client.read_to_end()


def test_sessions_beyond_the_limit_are_refused(make_hub):
    hub = make_hub(max_sessions=2)
    first, second = Client(hub, protocol.READ), Client(hub, protocol.READ)
    _joined(hub, 0, 2)
    third = Client(hub, protocol.READ)
    assert b'refused - too many sessions' in third.read_to_end()
    first.close()
    wait_for(lambda: hub.counts()['viewers'] == 1, TIMEOUT)
    fourth = Client(hub, protocol.READ)
    fourth.wait_notice('viewer')
    second.close()


def test_start_fails_cleanly_without_a_serial_port():
    listener = socket.create_server(('127.0.0.1', 0))
    address = listener.getsockname()
    listener.close()
    hub = hub_module.SerialHub('instance-x', address, '127.0.0.1', [0])
    with pytest.raises(OSError):
        hub.start()
    assert not hub.alive
    assert hub.stop()


def test_preamble_format():
    assert protocol.preamble('takeover') == b'consolehub-serial/1 takeover\n'
    assert protocol.parse_preamble(b'consolehub-serial/1 read\r\n') == 'read'
    with pytest.raises(protocol.BadPreamble):
        protocol.parse_preamble(b'consolehub-serial/2 read\n')
    with pytest.raises(ValueError):
        protocol.preamble('admin')
