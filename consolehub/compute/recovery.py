"""What a compute agent does as it starts: no instance stays stuck.

An agent may have been killed in the middle of any task. Before it
serves RPC it brings every instance of its host to ACTIVE, SHUTOFF,
ERROR or deleted, from what the database says was under way and what
the hypervisor shows now (as Nova's ``ComputeManager._init_instance``):

=====================  =================================================
task state             on start
=====================  =================================================
``deleting``           the delete is finished
BUILD, ``spawning``    the guest is removed; ERROR ("interrupted")
BUILD, none            built now (its build message may be lost)
``powering-off``       the guest is powered off; SHUTOFF
``powering-on``        the guest is started; ACTIVE
any reboot             ACTIVE if a started reboot left the guest running,
                       else a hard reboot; ACTIVE
none                   the power state is synced (``power_sync``)
=====================  =================================================

A step that fails puts the instance in ERROR with the reason as its
fault. Guests of instances deleted while the agent was away are
destroyed first.
"""

import threading

from oslo_log import log as logging

from consolehub.compute import locks
from consolehub import exception
from consolehub.objects import console_auth_token
from consolehub.objects import instance as instance_obj
from consolehub.virt import power_state

LOG = logging.getLogger(__name__)

INTERRUPTED_BUILD = ('The build was interrupted: the compute agent '
                     'stopped during it.')

#: Reboot tasks whose guest, if running, has rebooted already.
_STARTED_REBOOTS = (instance_obj.TASK_REBOOT_STARTED,
                    instance_obj.TASK_REBOOT_STARTED_HARD)
_REBOOTS = instance_obj.SOFT_REBOOT_TASKS + instance_obj.HARD_REBOOT_TASKS


def recover_host(manager, context):
    """Recover every instance of ``manager``'s host (see the module).

    :returns: the UUIDs of the instances whose build was pending and is
        started now (list of str).
    """
    manager.power_sync.reap_orphans(context)
    pending_builds = []
    for instance in instance_obj.get_all_by_host(context, manager.host):
        with locks.instance_lock(instance['uuid']):
            try:
                if _recover(manager, context, instance):
                    pending_builds.append(instance['uuid'])
            except Exception as error:
                _failed(manager, context, instance, error)
    for instance_uuid in pending_builds:
        # On a thread of its own, as the build message would run; should
        # that message still come, the build finds the instance taken.
        threading.Thread(target=manager.build_instance,
                         args=(context, instance_uuid),
                         name='build-%s' % instance_uuid[:8],
                         daemon=True).start()
    return pending_builds


def _recover(manager, context, instance):
    """Recover one instance, its lock held; True: build it later."""
    task = instance['task_state']
    driver = manager.driver
    if task == instance_obj.TASK_DELETING:
        LOG.info('Finishing the delete of instance %s', instance['uuid'])
        try:
            manager.delete_locked(context, instance)
        except exception.InstanceDeleteFailed:
            pass  # ERROR with the reason: it can be deleted again
    elif instance['status'] == instance_obj.BUILD:
        if task is None:
            return True
        LOG.warning('Build of instance %s was interrupted', instance['uuid'])
        driver.destroy(instance)
        instance_obj.update(context, instance['uuid'], {
            'status': instance_obj.ERROR, 'task_state': None,
            'power_state': power_state.NOSTATE,
            'fault': INTERRUPTED_BUILD})
    elif task == instance_obj.TASK_POWERING_OFF:
        driver.power_off(instance)
        manager.stopped(context, instance, task)
    elif task == instance_obj.TASK_POWERING_ON:
        driver.power_on(instance)
        manager.started(context, instance, task)
    elif task in _REBOOTS:
        running = driver.get_power_state(instance) == power_state.RUNNING
        if not (task in _STARTED_REBOOTS and running):
            if not running:
                console_auth_token.destroy_for_instance(context,
                                                        instance['uuid'])
            driver.reset(instance)
        manager.started(context, instance, task)
    elif task is not None:
        LOG.warning('Instance %s was in unknown task %s; clearing it',
                    instance['uuid'], task)
        manager.finish_task(context, instance['uuid'], task, {})
        manager.power_sync.sync_locked(
            context, instance_obj.get(context, instance['uuid']))
    else:
        manager.power_sync.sync_locked(context, instance)
    return False


def _failed(manager, context, instance, error):
    message = instance_obj.fault_message(error)
    LOG.error('Recovery of instance %s failed: %s', instance['uuid'],
              message)
    try:
        instance_obj.update(context, instance['uuid'], {
            'status': instance_obj.ERROR, 'task_state': None,
            'fault': message})
    except exception.InstanceNotFound:
        pass
