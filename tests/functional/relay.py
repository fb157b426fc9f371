"""A TCP relay: listens on one address and forwards to another.

Runs an asyncio loop in a daemon thread. Tests use it to make a server
that is on loopback reachable from another network namespace (listening
on a veth address), and to cut or delay a path to a database.

    with relay.Relay(('10.0.0.1', 0), ('127.0.0.1', 5432)) as r:
        ... r.port ...
"""

import asyncio
import socket
import threading


class Relay(object):
    """Forward every connection to ``listen`` on to ``target``.

    :param listen: ``(address, port)``; port 0 picks a free one.
    :param target: ``(address, port)`` to connect each client to.
    """

    def __init__(self, listen, target):
        self.listen = listen
        self.target = target
        self.port = None
        self.connections = 0
        self._loop = None
        self._server = None
        self._writers = set()
        self._thread = None
        self._ready = threading.Event()
        self._error = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    async def _pipe(self, reader, writer):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass

    async def _handle(self, client_reader, client_writer):
        self.connections += 1
        try:
            target_reader, target_writer = await asyncio.open_connection(
                *self.target)
        except OSError:
            client_writer.close()
            return
        sock = target_writer.get_extra_info('socket')
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock = client_writer.get_extra_info('socket')
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._writers.update((client_writer, target_writer))
        try:
            await asyncio.gather(
                self._pipe(client_reader, target_writer),
                self._pipe(target_reader, client_writer))
        finally:
            self._writers.discard(client_writer)
            self._writers.discard(target_writer)

    async def _serve(self):
        try:
            self._server = await asyncio.start_server(
                self._handle, self.listen[0], self.listen[1])
        except OSError as error:
            self._error = error
            self._ready.set()
            return
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()

    def start(self):
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever,
                                        name='relay', daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop)
        if not self._ready.wait(10):
            raise RuntimeError('relay on %s did not start' % (self.listen,))
        if self._error is not None:
            self.stop()
            raise self._error

    def cut(self):
        """Close every connection open through the relay (both sides)."""
        async def _cut():
            for writer in list(self._writers):
                transport = writer.transport
                if transport is not None:
                    transport.abort()
        asyncio.run_coroutine_threadsafe(_cut(), self._loop).result(10)

    def stop(self):
        if self._loop is None:
            return

        async def _close():
            if self._server is not None:
                self._server.close()
            for writer in list(self._writers):
                writer.transport.abort()
        try:
            asyncio.run_coroutine_threadsafe(_close(), self._loop).result(10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()
            self._loop = None
