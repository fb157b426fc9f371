"""The tests' deadline-bounded wait (tests/waiting.py)."""

import asyncio
import subprocess
import sys
import time

import pytest

from tests import waiting


def test_returns_the_first_true_value():
    values = iter([None, 0, [], 'ready'])
    assert waiting.wait_for(lambda: next(values), timeout=5,
                            interval=0.001) == 'ready'


def test_times_out_naming_what_it_awaited():
    started = time.monotonic()
    with pytest.raises(waiting.TimedOut) as timed_out:
        waiting.wait_for(lambda: False, timeout=0.2, interval=0.01,
                         message='the moon turning blue')
    assert 0.2 <= time.monotonic() - started < 2
    assert 'the moon turning blue did not happen within 0.2 s' in str(
        timed_out.value)


def test_a_message_function_tells_what_was_seen_last():
    seen = []
    with pytest.raises(waiting.TimedOut) as timed_out:
        waiting.wait_for(lambda: seen.append('x'), timeout=0.05,
                         interval=0.01,
                         message=lambda: 'five, after %d' % len(seen))
    assert str(timed_out.value).startswith('five, after %d did not happen'
                                           % len(seen))


def test_a_process_that_exits_fails_the_wait_at_once():
    process = subprocess.Popen([sys.executable, '-c', 'raise SystemExit(3)'])
    process.wait(30)
    started = time.monotonic()
    with pytest.raises(waiting.TimedOut) as timed_out:
        waiting.wait_for(lambda: False, timeout=30, message='a port',
                         processes=[process])
    assert time.monotonic() - started < 5
    assert 'exited with 3 while waiting for a port' in str(timed_out.value)


def test_async_wait_lets_the_loop_run():
    async def check():
        done = []
        asyncio.get_running_loop().call_later(0.05, done.append, True)
        return await waiting.wait_for_async(lambda: done, timeout=5)

    assert asyncio.run(check()) == [True]
    with pytest.raises(waiting.TimedOut):
        asyncio.run(waiting.wait_for_async(lambda: None, timeout=0.05))
