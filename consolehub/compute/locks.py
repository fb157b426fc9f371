"""The per-instance lock of the compute agent's work."""

from oslo_concurrency import lockutils

#: Raised by :func:`instance_lock` when not blocking and it is held.
LockHeld = lockutils.AcquireLockFailedException


def instance_lock(instance_uuid, blocking=True):
    """The lock of one instance's work on this agent (a context manager).

    Build, delete, actions and the power state sync of one instance run
    one at a time under it.

    :raises LockHeld: not ``blocking`` and another thread holds it.
    """
    return lockutils.lock('instance-%s' % instance_uuid, blocking=blocking)


def keyboard_lock(instance_uuid):
    """The lock of one guest's keyboard on this agent: the keys of two
    requests never interleave (the instance's lock would wait for its
    power work)."""
    return lockutils.lock('keyboard-%s' % instance_uuid)
