"""Instances: their states and the rules on them.

``status`` is what the native API shows and what Nova calls the server
status (BUILD, ACTIVE, SHUTOFF, ERROR, DELETED); it stands for Nova's
``vm_state`` (:data:`VM_STATES`). ``task_state`` is the work in progress,
with Nova's values (``nova/compute/task_states.py``): None when idle.
``power_state`` is the guest's, as its host last saw it (Nova's values,
``consolehub.virt.power_state``).

Which action each state allows is Nova's (``check_instance_state`` on
``nova.compute.api.API.stop``, ``start``, ``reboot``), and so is the
409 message that refuses one (:func:`begin_action`).
"""

import collections

from consolehub.db import instances as db_instances
from consolehub import exception
from consolehub.objects import console_session
from consolehub.objects import quota

BUILD = 'BUILD'
ACTIVE = 'ACTIVE'
SHUTOFF = 'SHUTOFF'
ERROR = 'ERROR'
DELETED = 'DELETED'

#: status -> Nova's ``vm_state``.
VM_STATES = {BUILD: 'building', ACTIVE: 'active', SHUTOFF: 'stopped',
             ERROR: 'error', DELETED: 'deleted'}

TASK_SPAWNING = 'spawning'
TASK_DELETING = 'deleting'
#: Nova's task_state while createImage copies the disk.
TASK_IMAGE_SNAPSHOT = 'image_snapshot'
TASK_POWERING_OFF = 'powering-off'
TASK_POWERING_ON = 'powering-on'
# A reboot is asked for (API), taken by the agent (pending), under way
# in the hypervisor (started); soft and hard, as Nova.
TASK_REBOOTING = 'rebooting'
TASK_REBOOT_PENDING = 'reboot_pending'
TASK_REBOOT_STARTED = 'reboot_started'
TASK_REBOOTING_HARD = 'rebooting_hard'
TASK_REBOOT_PENDING_HARD = 'reboot_pending_hard'
TASK_REBOOT_STARTED_HARD = 'reboot_started_hard'

SOFT_REBOOT_TASKS = (TASK_REBOOTING, TASK_REBOOT_PENDING,
                     TASK_REBOOT_STARTED)
HARD_REBOOT_TASKS = (TASK_REBOOTING_HARD, TASK_REBOOT_PENDING_HARD,
                     TASK_REBOOT_STARTED_HARD)

#: The actions, named as Nova's 409 names them: the statuses and task
#: states each may start from, and the task state it sets.
ActionRule = collections.namedtuple('ActionRule',
                                    ['statuses', 'task_states', 'task'])
ACTION_RULES = {
    'stop': ActionRule((ACTIVE, ERROR), (None,), TASK_POWERING_OFF),
    'start': ActionRule((SHUTOFF,), (None,), TASK_POWERING_ON),
    'reboot': ActionRule((ACTIVE,), (None,), TASK_REBOOTING),
    # A hard reboot is the way out of a stuck reboot and of ERROR.
    'reboot-hard': ActionRule(
        (ACTIVE, SHUTOFF, ERROR),
        (None,) + SOFT_REBOOT_TASKS + HARD_REBOOT_TASKS,
        TASK_REBOOTING_HARD),
}


def fault_message(error):
    """The text an instance's ``fault`` records for ``error`` (an
    exception): its message, with its class for an unexpected one."""
    if isinstance(error, exception.ConsoleHubException):
        return str(error)
    return '%s: %s' % (type(error).__name__, error)


def create(context, name, memory_mb, vcpus, host, image_ref=None,
           root_gb=0, extra=None, metadata=None):
    """Record a new instance in BUILD for the context's project and user,
    within the project's quotas (instances, cores, ram).

    :param host: the compute host it is placed on, or None for none.
    :param image_ref: the id of the image it boots; None: no disk.
    :param root_gb: its root disk's size in GiB (0 without an image).
    :param extra: more columns (``description``, ``access_ip_v4``,
        ``disk_config``, ``user_data``, ``reservation_id``, ...).
    :param metadata: its metadata (``{key: value}``), made with it.
    :returns: the row (dict).
    :raises OverQuota: the project has no room for it; nothing is made.
    """
    values = dict(extra or {}, name=name, status=BUILD, host=host,
                  memory_mb=memory_mb, vcpus=vcpus, image_ref=image_ref,
                  root_gb=root_gb)
    return quota.consume(
        context, context.project_id, usage_of(vcpus, memory_mb),
        lambda: db_instances.instance_create(context, values, metadata))


def count_within_quota(context, vcpus, memory_mb, min_count, max_count):
    """How many instances of this size, ``min_count`` to ``max_count``,
    the project's quotas leave room for now: the most that fit, as Nova
    shrinks a multiple create.

    :raises OverQuota: not even ``min_count`` fit.
    """
    limits = quota.get_limits(context, context.project_id)
    used = quota.get_usage(context, context.project_id,
                           ['instances', 'cores', 'ram'])
    fits = max_count
    for name, each in usage_of(vcpus, memory_mb).items():
        if limits[name] != quota.UNLIMITED and each > 0:
            fits = min(fits, max(limits[name] - used[name], 0) // each)
    if fits < min_count:
        quota.check(context, context.project_id,
                    usage_of(vcpus, memory_mb, min_count))
    return max(fits, min_count)


def usage_of(vcpus, memory_mb, count=1):
    """The quota resources ``count`` instances of this size take."""
    return {'instances': count, 'cores': vcpus * count,
            'ram': memory_mb * count}


def get(context, instance_uuid):
    """The visible live instance (dict); raises InstanceNotFound."""
    return db_instances.instance_get(context, instance_uuid)


def get_all(context, limit, marker=None, project_id=None, filters=None):
    """Up to ``limit`` visible instances (dicts), oldest first.

    :param marker: the UUID of the last instance of the previous page.
    :param project_id: only this project's instances (an admin listing
        one project); None: all the context may see.
    :param filters: as :func:`consolehub.db.instances.instance_get_all`.
    :raises MarkerNotFound: ``marker`` names no visible instance.
    """
    return db_instances.instance_get_all(context, limit, marker, project_id,
                                         filters)


def get_all_by_host(context, host):
    """Every live instance placed on ``host`` (dicts)."""
    return db_instances.instance_get_all_by_host(context, host)


def count_by_host(context):
    """``{host: number of live instances}`` over every project."""
    return db_instances.instance_count_by_host(context)


def usage_by_host(context):
    """What the live instances on each host hold, over every project:
    ``{host: {'count', 'vcpus', 'memory_mb', 'root_gb', 'busy'}}``
    (``memory_mb`` in MiB, ``root_gb`` in GiB, ``busy``: instances with a
    task in progress); hosts without instances are missing."""
    return db_instances.instance_usage_by_host(context)


def update(context, instance_uuid, values, expected_status=None):
    """Change columns of a live instance; returns the new row (dict).

    :param expected_status: a status or tuple of statuses the instance
        must be in, else InstanceInvalidState and nothing changes.
    """
    return db_instances.instance_update(context, instance_uuid, values,
                                        expected_status)


def begin_action(context, instance, action):
    """Claim ``instance`` for ``action`` (a key of :data:`ACTION_RULES`).

    Atomic: of two concurrent actions on one instance, one wins and the
    other gets the 409.

    :param instance: the instance dict the caller read.
    :returns: the instance with its new ``task_state``.
    :raises InstanceNotReady: it was never placed on a host.
    :raises InstanceActionConflict: its status or task state refuses the
        action, e.g. "Cannot 'stop' instance <uuid> while it is in
        vm_state stopped".
    """
    if instance['host'] is None:
        raise exception.InstanceNotReady(instance_id=instance['uuid'])
    rule = ACTION_RULES[action]
    claimed, row = db_instances.instance_update_if(
        context, instance['uuid'], {'task_state': rule.task},
        {'status': rule.statuses, 'task_state': rule.task_states})
    if claimed:
        return row
    name = action.split('-')[0]
    if row['status'] not in rule.statuses:
        raise exception.InstanceActionConflict(
            action=name, instance_id=row['uuid'], attr='vm_state',
            state=VM_STATES.get(row['status'], row['status'].lower()))
    raise exception.InstanceActionConflict(
        action=name, instance_id=row['uuid'], attr='task_state',
        state=row['task_state'])


def finish_task(context, instance_uuid, task_state, values,
                drop_console_tokens=False):
    """End the task ``task_state`` with ``values`` (a dict of columns,
    ``task_state`` set to None unless given), and with
    ``drop_console_tokens`` its console tokens in the same transaction.

    :returns: the new row (dict), or None if the instance is in another
        task now (a delete took over) and nothing changed.
    :raises InstanceNotFound: it is gone.
    """
    values = dict({'task_state': None}, **values)
    done, row = db_instances.instance_update_if(
        context, instance_uuid, values, {'task_state': (task_state,)},
        drop_console_tokens=drop_console_tokens)
    return row if done else None


def update_if(context, instance_uuid, values, expected,
              drop_console_tokens=False):
    """Change columns if they hold ``expected`` values, and with
    ``drop_console_tokens`` delete the instance's console tokens in the
    same transaction (see
    :func:`consolehub.db.instances.instance_update_if`).

    :returns: ``(changed, row)``.
    """
    return db_instances.instance_update_if(
        context, instance_uuid, values, expected,
        drop_console_tokens=drop_console_tokens)


def destroy(context, instance_uuid):
    """Mark the instance DELETED, drop its console tokens and mark its
    open console sessions to end, in one transaction."""
    return db_instances.instance_destroy(
        context, instance_uuid, DELETED,
        console_session.REASON_INSTANCE_DELETED)


def check_console_allowed(instance):
    """Whether a console may be opened on ``instance`` (a dict) now.

    :raises InstanceInvalidState: it is not ACTIVE.
    :raises InstanceBeingDeleted: a delete is in progress.
    """
    if instance['status'] != ACTIVE:
        raise exception.InstanceInvalidState(
            instance_id=instance['uuid'], status=instance['status'],
            action='a console', expected=ACTIVE)
    if instance['task_state'] == TASK_DELETING:
        raise exception.InstanceBeingDeleted(instance_id=instance['uuid'])


def check_console_output_allowed(instance):
    """Whether the console log of ``instance`` (a dict) may be read.

    Any status will do, as in Nova: the log of a stopped guest stays.

    :raises InstanceNotReady: it was never placed on a host.
    :raises InstanceBeingDeleted: a delete is in progress.
    """
    if instance['host'] is None:
        raise exception.InstanceNotReady(instance_id=instance['uuid'])
    if instance['task_state'] == TASK_DELETING:
        raise exception.InstanceBeingDeleted(instance_id=instance['uuid'])
