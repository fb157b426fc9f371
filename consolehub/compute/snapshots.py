"""Snapshots of an instance's disk into an image (Nova's createImage).

The API made the queued image and set the instance's task_state to
``image_snapshot``; the compute agent of the instance's host runs
:func:`snapshot_instance` and always clears that task.
"""

import os

from oslo_log import log as logging

from consolehub.compute import locks
from consolehub import exception
from consolehub.image import api as image_api
from consolehub.objects import instance as instance_obj
from consolehub.objects import instance_action_log as action_log
from consolehub.virt import images as virt_images

LOG = logging.getLogger(__name__)


def snapshot_instance(driver, host, context, instance_uuid, image_id):
    """Copy the guest's disk, flattened, into queued image ``image_id``,
    which becomes active.

    :param driver: the host's :class:`consolehub.virt.driver.ComputeDriver`.
    :param host: this compute host's name (for the action log's event).

    Errors are logged, not raised (the RPC is a cast): on failure the
    image is deleted, as Nova deletes a snapshot that failed; the task
    is cleared whatever happens, and the flattened copy removed.
    """
    with locks.instance_lock(instance_uuid):
        target = os.path.join(virt_images.instance_dir(instance_uuid),
                              'snapshot-%s.qcow2' % image_id)
        try:
            instance = instance_obj.get(context, instance_uuid)
            with action_log.event(context, instance_uuid,
                                  action_log.EVENT_SNAPSHOT, host):
                driver.snapshot(instance, target)
                image_api.upload_file(context, image_id, target)
            LOG.info('Snapshot %s of instance %s is active', image_id,
                     instance_uuid)
        except Exception as error:
            LOG.error('Snapshot %s of instance %s failed: %s', image_id,
                      instance_uuid, error)
            _delete_failed_snapshot(context, image_id)
        finally:
            if os.path.exists(target):
                os.unlink(target)
            _clear_task(context, instance_uuid)


def _delete_failed_snapshot(context, image_id):
    try:
        image_api.delete(context, image_id)
    except exception.ImageNotFound:
        pass


def _clear_task(context, instance_uuid):
    try:
        instance_obj.update(context, instance_uuid, {'task_state': None})
    except exception.InstanceNotFound:
        pass
