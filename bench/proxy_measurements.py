"""The measurements of ``bench.proxy``: each drives one path (an object
of ``bench.proxy``'s ``Path`` classes, which opens a connection to the
fake guest through it) with one workload and returns its figures.
"""

import asyncio
import struct
import time

from websockets.asyncio import client as ws_client

from bench import proxy_guest

MB = 1e6
GB = 1e9


# -- measurements -------------------------------------------------------------

async def guest_to_browser(connection, total, write_size):
    send, recv, _close = connection
    started = time.perf_counter()
    await send(struct.pack('!QI', total, write_size))
    got = 0
    while got < total:
        got += len(await recv())
    return time.perf_counter() - started


async def browser_to_guest(connection, total, message_size):
    send, recv, _close = connection
    block = b'\xa5' * message_size
    started = time.perf_counter()
    await send(struct.pack('!Q', total))
    sent = 0
    while sent < total:
        await send(block)
        sent += message_size
    assert await recv() == b'D'
    return time.perf_counter() - started


async def throughput(path, direction, total, size):
    """``(MB/s, proxy CPU s/GB, of which in the kernel, of which in its
    event loop's thread or None)`` of a transfer.

    The CPU counted is the proxy's (every process of it, live children
    included) from just before the transfer to just after, with the
    connection open: set-up and tear-down are measured apart.
    """
    connection = await path.open('source' if direction == 'down'
                                 else 'sink')
    try:
        await asyncio.sleep(0.3)
        cpu_before = path.cpu()
        system_before = path.cpu(system_only=True)
        loop_before = path.loop_cpu()
        run = guest_to_browser if direction == 'down' else browser_to_guest
        elapsed = await run(connection, total, size)
        cpu = path.cpu() - cpu_before
        system = path.cpu(system_only=True) - system_before
        loop = (None if loop_before is None
                else (path.loop_cpu() - loop_before) / (total / GB))
    finally:
        await connection[2]()
    return (total / elapsed / MB, cpu / (total / GB), system / (total / GB),
            loop)


async def round_trips(path, size, count):
    """Milliseconds of ``count`` echoes of a ``size``-byte message, one
    after the other on one connection (after 50 to warm up): what a
    keystroke or a request waits for its answer, proxy included."""
    send, recv, close = await path.open('echo')
    message = b'\x3c' * size
    times = []
    try:
        for number in range(50 + count):
            started = time.perf_counter()
            await send(message)
            got = 0
            while got < size:
                got += len(await recv())
            if number >= 50:
                times.append((time.perf_counter() - started) * 1000)
    finally:
        await close()
    return times


async def setup_times(path, count):
    """Milliseconds from connect to the guest's first byte, ``count``
    times in a row."""
    times = []
    for _ in range(count):
        url = (path.url('banner') if path.fresh_url_per_connection
               else None)
        started = time.perf_counter()
        if url is not None:
            websocket = await ws_client.connect(
                url, compression=None, ping_interval=None, proxy=None)
            first = await websocket.recv()
            close = websocket.close
        else:
            _send, recv, close = await path.open('banner')
            first = await recv()
        times.append((time.perf_counter() - started) * 1000)
        assert first == proxy_guest.BANNER, first
        await close()
    return times


async def hold_sessions(path, count, hold_seconds):
    """Open ``count`` idle sessions at once; returns a result dict."""
    path.settle()
    await asyncio.sleep(0.5)
    before = proxy_guest.tree_uss(path.pid) if path.pid else 0
    semaphore = asyncio.Semaphore(64)
    if path.fresh_url_per_connection:
        urls = [path.url('banner') for _ in range(count)]
    else:
        urls = [None] * count

    async def one(url):
        async with semaphore:
            try:
                if url is not None:
                    websocket = await ws_client.connect(
                        url, compression=None, ping_interval=None,
                        proxy=None, open_timeout=60)
                    first = await asyncio.wait_for(websocket.recv(), 60)
                    conn = (websocket.recv, websocket.close)
                else:
                    _send, recv, close = await path.open('banner')
                    first = await asyncio.wait_for(recv(), 60)
                    conn = (recv, close)
            except Exception:
                return None
            return conn if first == proxy_guest.BANNER else None

    conns = await asyncio.gather(*(one(url) for url in urls))
    opened = [conn for conn in conns if conn is not None]
    await asyncio.sleep(1.0)
    after = proxy_guest.tree_uss(path.pid) if path.pid else 0
    processes = len(proxy_guest.process_tree(path.pid)) if path.pid else 0
    await asyncio.sleep(hold_seconds)

    async def still_up(conn):
        recv, _close = conn
        try:
            await asyncio.wait_for(recv(), 0.5)
        except asyncio.TimeoutError:
            return True
        except Exception:
            return False
        return True

    alive = sum(await asyncio.gather(*(still_up(conn) for conn in opened)))
    await asyncio.gather(*(conn[1]() for conn in opened),
                         return_exceptions=True)
    return {'opened': len(opened), 'alive': alive, 'processes': processes,
            'uss_before': before, 'uss_after': after,
            'per_session': ((after - before) / len(opened)
                            if opened else 0)}
