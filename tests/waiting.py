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
    if callable(message):
        return message()
    return message or getattr(predicate, '__name__', repr(predicate))


def _check_processes(processes, message, predicate):
    for process in processes:
        if process.poll() is not None:
            name = (process.args[0] if isinstance(process.args, (list, tuple))
                    else process.args)
            raise TimedOut('%s exited with %s while waiting for %s'
                           % (name, process.returncode,
                              _describe(message, predicate)))


def _timed_out(message, predicate, timeout, value):
    return TimedOut('%s did not happen within %s s (last value %r)'
                    % (_describe(message, predicate), timeout, value))


def wait_for(predicate, timeout, interval=0.05, message=None, processes=()):
    """Call ``predicate()`` until it returns something true; return that.

    :param predicate: a function of no arguments; an exception it raises
        propagates at once (it is a failure, not "not yet").
    :param timeout: seconds before giving up (monotonic clock).
    :param interval: seconds between two calls.
    :param message: what is awaited, for the failure message; or a
        function returning that, called on failure (to tell what was
        seen last).
    :param processes: ``subprocess.Popen`` objects that must keep running
        meanwhile; one that exits fails the wait at once.
    :raises TimedOut: (an ``AssertionError``) if ``timeout`` passes first
        or a process of ``processes`` exits.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        _check_processes(processes, message, predicate)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _timed_out(message, predicate, timeout, value)
        time.sleep(min(interval, remaining))


async def wait_for_async(predicate, timeout, interval=0.01, message=None):
    """:func:`wait_for` for a coroutine: polls without blocking the loop.

    ``predicate`` is a plain function (called in the loop's thread), e.g.
    one reading what a protocol object has received so far.

    :raises TimedOut: if ``timeout`` seconds pass first.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _timed_out(message, predicate, timeout, value)
        await asyncio.sleep(min(interval, remaining))
