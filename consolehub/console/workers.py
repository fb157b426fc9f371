"""The console proxy's blocking calls, kept off its event loop.

The proxy's event loop must never wait on a network round trip: database
transactions on a server and RPC calls to compute agents run in thread
pools of their own (:class:`BlockingCalls`). Its own two hot
transactions (redeem a token, record sessions' ends) run one at a time,
so the session limit they check stays exact within the process.
"""

import asyncio
import concurrent.futures

from consolehub.conf import CONF

#: Threads for RPC calls to compute agents (at most this many at once).
RPC_THREADS = 4


class BlockingCalls(object):
    """Thread pools for the proxy's database transactions and RPC calls.

    :meth:`start` within the running loop before use, :meth:`shutdown`
    when the proxy stops.
    """

    def __init__(self):
        self._db_executor = None
        self._rpc_executor = None
        self._db_inline = False

    def start(self):
        self._db_executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix='console-db')
        # RPC calls wait on other hosts: several at once, apart from the
        # database's one thread so a slow host never delays a redeem.
        self._rpc_executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=RPC_THREADS, thread_name_prefix='console-rpc')
        self._db_inline = CONF.database.connection.startswith('sqlite')

    def shutdown(self):
        for executor in (self._db_executor, self._rpc_executor):
            if executor is not None:
                executor.shutdown(wait=True)

    def rpc(self, func, *args):
        """An awaitable of ``func(*args)``, a blocking RPC call, run in
        the RPC threads."""
        return asyncio.get_running_loop().run_in_executor(
            self._rpc_executor, func, *args)

    async def db_write(self, func, *args):
        """Run one of the proxy's own transactions (redeem, finish).

        On SQLite, a local file, they take well under a millisecond and
        run right here in the event loop: a hop to a thread and back costs
        more, under load several GIL switches. On a database server they
        run in the database thread, so network waits never block the
        loop. Either way they run one at a time.

        :returns: what ``func(*args)`` returns; raises what it raises.
        """
        if self._db_inline:
            return func(*args)
        return await self.in_db_thread(func, *args)

    def in_db_thread(self, func, *args):
        """An awaitable of ``func(*args)`` run in the database thread."""
        return asyncio.get_running_loop().run_in_executor(
            self._db_executor, func, *args)
