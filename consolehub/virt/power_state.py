"""A guest's power state, with Nova's values (``nova/compute/power_state.py``).

Drivers report these; the compute agent stores them in the instance's
``power_state`` and the API shows them as ``OS-EXT-STS:power_state``.
"""

NOSTATE = 0
RUNNING = 1
PAUSED = 3
#: Shut off, or being shut off.
SHUTDOWN = 4
CRASHED = 6
SUSPENDED = 7

#: Names for log messages.
NAMES = {NOSTATE: 'pending', RUNNING: 'running', PAUSED: 'paused',
         SHUTDOWN: 'shutdown', CRASHED: 'crashed', SUSPENDED: 'suspended'}
