"""Waiting for a condition with a deadline: the tests' one way to wait.

A test that needs something to have happened (a port open, an instance
ACTIVE, a row written, a process gone) polls for it with
:func:`wait_for`, never sleeps a fixed time hoping it did. The poll
interval only bounds how late the waiter notices; the deadline bounds how
long a broken system can hold the test.

    instance = wait_for(lambda: active(instance_id), timeout=60,
                        message='instance %s ACTIVE' % instance_id)
"""

import asyncio
import time


class TimedOut(AssertionError):
    """The condition did not hold before the deadline (a test failure)."""


def _describe(message, predicate):
    return message or getattr(predicate, '__name__', repr(predicate))


def _check_processes(processes, message):
    for process in processes:
        if process.poll() is not None:
            raise TimedOut('%s exited with %s while waiting for %s'
                           % (process.args[0] if isinstance(
                               process.args, (list, tuple)) else process.args,
                              process.returncode, message))


def wait_for(predicate, timeout, interval=0.05, message=None, processes=()):
    """Call ``predicate()`` until it returns something true; return that.

    :param predicate: a function of no arguments; an exception it raises
        propagates at once (it is a failure, not "not yet").
    :param timeout: seconds before giving up (monotonic clock).
    :param interval: seconds between two calls.
    :param message: what is awaited, for the failure message.
    :param processes: ``subprocess.Popen`` objects that must keep running
        meanwhile; one that exits fails the wait at once.
    :raises TimedOut: (an ``AssertionError``) if ``timeout`` passes first
        or a process of ``processes`` exits.
    """
    message = _describe(message, predicate)
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        _check_processes(processes, message)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimedOut('%s did not happen within %s s (last value %r)'
                           % (message, timeout, value))
        time.sleep(min(interval, remaining))


async def wait_for_async(predicate, timeout, interval=0.01, message=None):
    """:func:`wait_for` for a coroutine: polls without blocking the loop.

    ``predicate`` is a plain function (called in the loop's thread), e.g.
    one reading what a protocol object has received so far.

    :raises TimedOut: if ``timeout`` seconds pass first.
    """
    message = _describe(message, predicate)
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimedOut('%s did not happen within %s s (last value %r)'
                           % (message, timeout, value))
        await asyncio.sleep(min(interval, remaining))
