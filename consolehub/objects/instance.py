"""Instances: their states and the rules on them.

``status`` is what the native API shows and what Nova calls the server
status (BUILD, ACTIVE, SHUTOFF, ERROR, DELETED); ``task_state`` is the
work in progress, as Nova's task_state (None or ``deleting``).
"""

from consolehub.db import instances as db_instances
from consolehub import exception
from consolehub.objects import console_session
from consolehub.objects import quota

BUILD = 'BUILD'
ACTIVE = 'ACTIVE'
SHUTOFF = 'SHUTOFF'
ERROR = 'ERROR'
DELETED = 'DELETED'

TASK_DELETING = 'deleting'
#: Nova's task_state while createImage copies the disk.
TASK_IMAGE_SNAPSHOT = 'image_snapshot'


def create(context, name, memory_mb, vcpus, host, image_ref=None,
           root_gb=0):
    """Record a new instance in BUILD for the context's project and user,
    within the project's quotas (instances, cores, ram).

    :param host: the compute host it is placed on, or None for none.
    :param image_ref: the id of the image it boots; None: no disk.
    :param root_gb: its root disk's size in GiB (0 without an image).
    :returns: the row (dict).
    :raises OverQuota: the project has no room for it; nothing is made.
    """
    values = {'name': name, 'status': BUILD, 'host': host,
              'memory_mb': memory_mb, 'vcpus': vcpus, 'image_ref': image_ref,
              'root_gb': root_gb}
    return quota.consume(
        context, context.project_id,
        {'instances': 1, 'cores': vcpus, 'ram': memory_mb},
        lambda: db_instances.instance_create(context, values))


def get(context, instance_uuid):
    """The visible live instance (dict); raises InstanceNotFound."""
    return db_instances.instance_get(context, instance_uuid)


def get_all(context, limit, marker=None, project_id=None):
    """Up to ``limit`` visible instances (dicts), oldest first.

    :param marker: the UUID of the last instance of the previous page.
    :param project_id: only this project's instances (an admin listing
        one project); None: all the context may see.
    :raises MarkerNotFound: ``marker`` names no visible instance.
    """
    return db_instances.instance_get_all(context, limit, marker, project_id)


def get_all_by_host(context, host):
    """Every live instance placed on ``host`` (dicts)."""
    return db_instances.instance_get_all_by_host(context, host)


def count_by_host(context):
    """``{host: number of live instances}`` over every project."""
    return db_instances.instance_count_by_host(context)


def update(context, instance_uuid, values, expected_status=None):
    """Change columns of a live instance; returns the new row (dict).

    :param expected_status: a status or tuple of statuses the instance
        must be in, else InstanceInvalidState and nothing changes.
    """
    return db_instances.instance_update(context, instance_uuid, values,
                                        expected_status)


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
