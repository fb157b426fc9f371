"""The compute agent's RPC endpoint: owns the guests of one host.

Every piece of work on one instance (build, delete, stop, start,
reboot, and the power state sync) runs under that instance's lock, so a
delete that lands mid-build never orphans a guest. Actions are
accepted by an RPC call that returns at once (so the API learns that
the agent is alive) and then run on a thread of their own; the
instance's ``task_state`` says what is under way until it ends, and
:mod:`consolehub.compute.recovery` finishes what an agent killed
mid-way left.
"""

import threading
import time

from oslo_log import log as logging
import oslo_messaging as messaging

from consolehub.compute import console_endpoints
from consolehub.compute import locks
from consolehub.compute import power_sync
from consolehub.compute import recovery
from consolehub.compute import serial_hubs
from consolehub.compute import snapshots
from consolehub.conf import CONF
from consolehub import context as consolehub_context
from consolehub import exception
from consolehub.image import api as image_api
from consolehub.objects import console_auth_token
from consolehub.objects import instance as instance_obj
from consolehub.objects import instance_action_log as action_log
from consolehub.objects import purge
from consolehub.virt import driver as virt_driver
from consolehub.virt import power_state

LOG = logging.getLogger(__name__)

#: Seconds between two presses of the ACPI power button while a guest
#: is asked to power off: one that was still booting may miss the first.
SHUTDOWN_RETRY_INTERVAL = 10

#: The task states one action goes through.
_TASK_CHAINS = (instance_obj.SOFT_REBOOT_TASKS,
                instance_obj.HARD_REBOOT_TASKS)

#: The action log's event of each power task (Nova's names).
_TASK_EVENTS = {'_stop': action_log.EVENT_STOP,
                '_start': action_log.EVENT_START,
                '_reboot_soft': action_log.EVENT_REBOOT,
                '_reboot_hard': action_log.EVENT_REBOOT}

# How a clean shutdown ended.
STOPPED, TIMED_OUT, INTERRUPTED = 'stopped', 'timed out', 'interrupted'


class ComputeManager(console_endpoints.ConsoleEndpoints):
    """Serves :mod:`consolehub.compute.rpcapi` calls with a virt driver."""

    target = messaging.Target(version='1.7')

    def __init__(self, host, driver):
        """``host``: this node's name; ``driver``: a ComputeDriver."""
        self.host = host
        self.driver = driver
        self.power_sync = power_sync.PowerSync(self)
        self.serial_hubs = serial_hubs.HubKeeper(driver)
        # Instances whose task must stop waiting for a guest to power off
        # (a delete or a hard reboot came); guarded by power_changed.
        self._interrupted = set()
        self.power_changed = self.power_sync.power_changed

    def init_host(self, context):
        """Connect the driver and bring every instance of this host to a
        state it can leave (:func:`recovery.recover_host`)."""
        self.driver.register_event_listener(self.power_sync.queue_event)
        self.driver.init_host(self.host)
        recovery.recover_host(self, context)
        self.power_sync.start()

    def cleanup_host(self):
        self.power_sync.stop()
        self.serial_hubs.stop_all()
        self.driver.cleanup_host()

    @staticmethod
    def _image_source(instance):
        """The :class:`ImageSource` of the image ``instance`` boots, or
        None for a diskless one. Read with an admin context: the image
        may have become private since the API checked it.

        :raises ImageNotFound: the image was deleted meanwhile.
        """
        if not instance['image_ref']:
            return None
        image = image_api.get(consolehub_context.get_admin_context(),
                              instance['image_ref'])
        return virt_driver.ImageSource(
            id=image['uuid'], path=image_api.file_path(image),
            disk_format=image['disk_format'],
            os_hash_algo=image['os_hash_algo'],
            os_hash_value=image['os_hash_value'], size=image['size'])

    # -- build and delete ----------------------------------------------------

    def build_instance(self, context, instance_uuid):
        """Start the guest; the instance ends ACTIVE, or ERROR with a fault
        and nothing of its guest left."""
        with locks.instance_lock(instance_uuid):
            try:
                claimed, instance = instance_obj.update_if(
                    context, instance_uuid,
                    {'task_state': instance_obj.TASK_SPAWNING},
                    {'status': (instance_obj.BUILD,), 'task_state': (None,)})
            except exception.InstanceNotFound:
                LOG.info('Instance %s was deleted before it was built',
                         instance_uuid)
                return
            if not claimed:
                LOG.info('Instance %s is %s (task %s): not built again',
                         instance_uuid, instance['status'],
                         instance['task_state'])
                return
            try:
                with action_log.event(context, instance_uuid,
                                      action_log.EVENT_BUILD, self.host):
                    self.driver.spawn(instance, self._image_source(instance))
            except Exception as error:
                LOG.error('Build of instance %s failed: %s', instance_uuid,
                          instance_obj.fault_message(error))
                self._remove_guest(instance)
                fault = instance_obj.fault_message(error)
                self.finish_task(context, instance_uuid,
                                 instance_obj.TASK_SPAWNING, {
                                     'status': instance_obj.ERROR,
                                     'fault': fault})
                return
            done = self.finish_task(context, instance_uuid,
                                    instance_obj.TASK_SPAWNING, {
                                        'status': instance_obj.ACTIVE,
                                        'power_state': power_state.RUNNING},
                                    status=instance_obj.BUILD)
            if done is None:
                # Deleted, or failed by build_timeout, meanwhile.
                LOG.warning('Instance %s changed during its build; its '
                            'guest is removed', instance_uuid)
                self._remove_guest(instance)
                return
            LOG.info('Instance %s is ACTIVE', instance_uuid)
            self.serial_hubs.follow(instance_uuid, running=True)

    def _remove_guest(self, instance):
        """Best effort: destroy whatever a failed task left."""
        self.serial_hubs.follow(instance['uuid'], running=False)
        try:
            self.driver.destroy(instance)
        except Exception:
            LOG.exception('Cannot remove the guest of instance %s',
                          instance['uuid'])

    def finish_task(self, context, instance_uuid, task, values, status=None,
                    drop_console_tokens=False):
        """End ``task`` with ``values`` (and with ``drop_console_tokens``
        the instance's console tokens, atomically); None if the instance
        is gone or in another task (or, with ``status``, not in that
        status)."""
        expected = {'task_state': (task,)}
        if status is not None:
            expected['status'] = (status,)
        values = dict({'task_state': None}, **values)
        try:
            done, row = instance_obj.update_if(
                context, instance_uuid, values, expected,
                drop_console_tokens=drop_console_tokens)
        except exception.InstanceNotFound:
            return None
        return row if done else None

    @messaging.expected_exceptions(exception.InstanceNotFound,
                                   exception.InstanceDeleteFailed)
    def terminate_instance(self, context, instance_uuid):
        """Destroy the guest, then the instance row and its tokens.

        :raises InstanceDeleteFailed: the driver could not remove the
            guest; the instance is then ERROR with the reason as fault,
            its task state cleared, and the delete can be tried again.
        """
        self.interrupt(instance_uuid)
        with locks.instance_lock(instance_uuid):
            instance = instance_obj.get(context, instance_uuid)
            if instance['task_state'] != instance_obj.TASK_DELETING:
                # A call the API gave up on (503) and reset the task of,
                # taken from the queue by an agent back from the dead.
                LOG.warning('Instance %s is not being deleted; a stale '
                            'delete is ignored', instance_uuid)
                return
            self.delete_locked(context, instance)

    def delete_locked(self, context, instance):
        """:meth:`terminate_instance`'s work, its lock held."""
        self.serial_hubs.stop(instance['uuid'],
                              'the instance is being deleted')
        try:
            with action_log.event(context, instance['uuid'],
                                  action_log.EVENT_TERMINATE, self.host):
                self.driver.destroy(instance)
        except Exception as error:
            reason = instance_obj.fault_message(error)
            LOG.error('Delete of instance %s failed: %s', instance['uuid'],
                      reason)
            instance_obj.update(context, instance['uuid'], {
                'status': instance_obj.ERROR, 'task_state': None,
                'fault': 'Delete failed: %s' % reason})
            raise exception.InstanceDeleteFailed(
                instance_id=instance['uuid'], reason=reason)
        instance_obj.destroy(context, instance['uuid'])
        LOG.info('Instance %s deleted', instance['uuid'])

    # -- power actions -------------------------------------------------------

    def stop_instance(self, context, instance_uuid):
        """Take a stop (task ``powering-off``); it runs on a thread."""
        self._start_task(self._stop, context, instance_uuid)

    def start_instance(self, context, instance_uuid):
        """Take a start (task ``powering-on``); it runs on a thread."""
        self._start_task(self._start, context, instance_uuid)

    def reboot_instance(self, context, instance_uuid, reboot_type):
        """Take a reboot (``SOFT`` or ``HARD``); it runs on a thread.

        A hard reboot cuts short a soft one waiting for its guest.
        """
        if reboot_type == 'HARD':
            self.interrupt(instance_uuid)
            self._start_task(self._reboot_hard, context, instance_uuid)
        else:
            self._start_task(self._reboot_soft, context, instance_uuid)

    def _start_task(self, task, context, instance_uuid):
        threading.Thread(target=self._run_task,
                         args=(task, context, instance_uuid),
                         name='%s-%s' % (task.__name__.strip('_'),
                                         instance_uuid[:8]),
                         daemon=True).start()

    def _run_task(self, task, context, instance_uuid):
        with locks.instance_lock(instance_uuid):
            with self.power_changed:
                self._interrupted.discard(instance_uuid)
            try:
                instance = instance_obj.get(context, instance_uuid)
            except exception.InstanceNotFound:
                return
            try:
                with action_log.event(context, instance_uuid,
                                      _TASK_EVENTS[task.__name__],
                                      self.host):
                    task(context, instance)
            except Exception as error:
                self._task_failed(context, instance, error)

    def _task_failed(self, context, instance, error):
        """ERROR with the reason, unless another task took over."""
        fault = instance_obj.fault_message(error)
        LOG.error('%s of instance %s failed: %s', instance['task_state'],
                  instance['uuid'], fault)
        for tasks in _TASK_CHAINS:
            if instance['task_state'] in tasks:
                break
        else:
            tasks = (instance['task_state'],)
        try:
            instance_obj.update_if(context, instance['uuid'], {
                'status': instance_obj.ERROR, 'fault': fault,
                'task_state': None,
                'power_state': self._power_state(instance)},
                {'task_state': tasks})
        except exception.InstanceNotFound:
            pass

    def _power_state(self, instance):
        try:
            return self.driver.get_power_state(instance)
        except Exception:
            return power_state.NOSTATE

    def _stop(self, context, instance):
        if instance['task_state'] != instance_obj.TASK_POWERING_OFF:
            return  # a delete took over
        outcome = self.clean_shutdown(instance, CONF.shutdown_timeout)
        if outcome == INTERRUPTED:
            return
        if outcome == TIMED_OUT:
            LOG.info('Instance %s did not power off within %d s; powering '
                     'it off', instance['uuid'], CONF.shutdown_timeout)
        self.driver.power_off(instance)
        self.stopped(context, instance, instance_obj.TASK_POWERING_OFF)

    def stopped(self, context, instance, task):
        """End ``task`` with the guest off: SHUTOFF, tokens invalid."""
        self.serial_hubs.follow(instance['uuid'], running=False)
        if self.finish_task(context, instance['uuid'], task, {
                'status': instance_obj.SHUTOFF,
                'power_state': self._power_state(instance)},
                drop_console_tokens=True):
            LOG.info('Instance %s is SHUTOFF', instance['uuid'])

    def _start(self, context, instance):
        if instance['task_state'] != instance_obj.TASK_POWERING_ON:
            return
        self.driver.power_on(instance)
        self.started(context, instance, instance_obj.TASK_POWERING_ON)

    def started(self, context, instance, task):
        """End ``task`` with the guest running: ACTIVE."""
        self.serial_hubs.follow(instance['uuid'], running=True)
        if self.finish_task(context, instance['uuid'], task, {
                'status': instance_obj.ACTIVE,
                'power_state': self._power_state(instance)}):
            LOG.info('Instance %s is ACTIVE', instance['uuid'])

    def _advance(self, context, instance, old, new):
        """Move a reboot from task ``old`` to ``new``; False if the
        instance went to another task meanwhile."""
        return self.finish_task(context, instance['uuid'], old,
                                {'task_state': new}) is not None

    def _reboot_soft(self, context, instance):
        """ACPI power off, wait up to ``[DEFAULT] reboot_timeout``, start;
        a reset if the guest does not power off in time."""
        if not (self._advance(context, instance, instance_obj.TASK_REBOOTING,
                              instance_obj.TASK_REBOOT_PENDING) and
                self._advance(context, instance,
                              instance_obj.TASK_REBOOT_PENDING,
                              instance_obj.TASK_REBOOT_STARTED)):
            return
        outcome = self.clean_shutdown(instance, CONF.reboot_timeout)
        if outcome == INTERRUPTED:
            return
        if outcome == STOPPED:
            # A new guest process: its console ports may change.
            console_auth_token.destroy_for_instance(context, instance['uuid'])
            self.driver.power_on(instance)
        else:
            LOG.info('Instance %s did not power off within %d s; resetting '
                     'it', instance['uuid'], CONF.reboot_timeout)
            self.driver.reset(instance)
        self.started(context, instance, instance_obj.TASK_REBOOT_STARTED)

    def _reboot_hard(self, context, instance):
        if not (self._advance(context, instance,
                              instance_obj.TASK_REBOOTING_HARD,
                              instance_obj.TASK_REBOOT_PENDING_HARD) and
                self._advance(context, instance,
                              instance_obj.TASK_REBOOT_PENDING_HARD,
                              instance_obj.TASK_REBOOT_STARTED_HARD)):
            return
        if self._power_state(instance) != power_state.RUNNING:
            console_auth_token.destroy_for_instance(context, instance['uuid'])
        self.driver.reset(instance)
        self.started(context, instance, instance_obj.TASK_REBOOT_STARTED_HARD)

    def interrupt(self, instance_uuid):
        """Cut short a clean shutdown waiting on ``instance_uuid``."""
        with self.power_changed:
            self._interrupted.add(instance_uuid)
            self.power_changed.notify_all()

    def clean_shutdown(self, instance, timeout):
        """Press the guest's power button and wait up to ``timeout``
        seconds for it to power off.

        :returns: STOPPED (or it was not running), TIMED_OUT or
            INTERRUPTED (:meth:`interrupt`).
        """
        if timeout <= 0:
            return TIMED_OUT
        if not self.driver.shutdown(instance):
            return STOPPED
        deadline = time.monotonic() + timeout
        next_press = time.monotonic() + SHUTDOWN_RETRY_INTERVAL
        with self.power_changed:
            while True:
                if instance['uuid'] in self._interrupted:
                    return INTERRUPTED
                if self.driver.get_power_state(instance) != (
                        power_state.RUNNING):
                    return STOPPED
                now = time.monotonic()
                if now >= deadline:
                    return TIMED_OUT
                if now >= next_press:
                    self.driver.shutdown(instance)
                    next_press = now + SHUTDOWN_RETRY_INTERVAL
                # Lifecycle events notify; the timeout bounds a missed one.
                self.power_changed.wait(min(deadline - now, 1.0))

    # -- snapshots -----------------------------------------------------------

    def snapshot_instance(self, context, instance_uuid, image_id):
        """Nova's createImage on this host: see
        :func:`consolehub.compute.snapshots.snapshot_instance`."""
        snapshots.snapshot_instance(self.driver, self.host, context,
                                    instance_uuid, image_id)

    # -- periodic tasks ------------------------------------------------------

    def sync_power_states(self):
        """The periodic sync of every guest with the database."""
        self.power_sync.sync_host(consolehub_context.get_admin_context())

    def trim_console_logs(self):
        """Keep the console logs of this host within their bound."""
        self.driver.trim_console_logs()

    def purge_database(self):
        """Remove rows past their retention (:mod:`objects.purge`)."""
        counts = purge.purge_expired(consolehub_context.get_admin_context())
        if any(counts.values()):
            LOG.info('Purged %s', ', '.join(
                '%d %s' % (count, name) for name, count in counts.items()))
