"""The power state follows the guest: lifecycle events and a periodic sync.

The driver reports lifecycle events from its own thread; they are queued
and handled on this module's thread, which reads the guest's power state
anew (an event may be late) and updates an idle instance:

* ACTIVE whose guest stopped, crashed or vanished -> SHUTOFF, its
  console tokens invalidated (the guest's console ports are gone);
* SHUTOFF whose guest runs (started outside consolehub) -> ACTIVE;
* always: ``power_state`` as the guest reports it.

An instance with a task under way is left to its task, and checked again
once its task has let it go (every :data:`RETRY_INTERVAL` seconds until
then): the guest may have stopped after the task last read its power
state, and no later event would say so. The periodic sync
(``[compute] sync_power_state_interval``) does the same for every
instance of the host, destroys guests whose instance was deleted (a
local delete while the host was down; Nova's
``running_deleted_instance_action = reap``) and fails builds older than
``[compute] build_timeout``.
"""

import datetime
import queue
import threading

from oslo_log import log as logging
from oslo_utils import timeutils

from consolehub.compute import locks
from consolehub.conf import CONF
from consolehub import context as consolehub_context
from consolehub import exception
from consolehub.objects import instance as instance_obj
from consolehub.virt import power_state

LOG = logging.getLogger(__name__)

#: Power states of a guest that is not running.
NOT_RUNNING = (power_state.NOSTATE, power_state.SHUTDOWN,
               power_state.CRASHED)

#: Seconds between two attempts at an instance whose event came while a
#: task held it.
RETRY_INTERVAL = 0.5


class PowerSync(object):
    """Keeps the instances of ``manager``'s host in step with its guests.

    :param manager: the :class:`consolehub.compute.manager.ComputeManager`.
    """

    def __init__(self, manager):
        self.manager = manager
        #: Notified on every lifecycle event (waits for a power off).
        self.power_changed = threading.Condition()
        self._events = queue.Queue()
        # Instances whose event came while a task held them (this
        # module's thread only).
        self._deferred = set()
        self._thread = None

    def queue_event(self, instance_uuid, transition):
        """The driver's event listener: never blocks."""
        self._events.put((instance_uuid, transition))

    def start(self):
        self._thread = threading.Thread(target=self._run,
                                        name='lifecycle-events', daemon=True)
        self._thread.start()

    def stop(self):
        if self._thread is not None:
            self._events.put(None)
            self._thread.join(10)
            self._thread = None

    def _run(self):
        context = consolehub_context.get_admin_context()
        while True:
            try:
                event = self._events.get(
                    timeout=RETRY_INTERVAL if self._deferred else None)
            except queue.Empty:
                self._retry_deferred(context)
                continue
            if event is None:
                return
            instance_uuid, transition = event
            LOG.debug('Guest of instance %s %s', instance_uuid, transition)
            with self.power_changed:
                self.power_changed.notify_all()
            self._deferred.discard(instance_uuid)
            self._sync_or_defer(context, instance_uuid)

    def _sync_or_defer(self, context, instance_uuid):
        try:
            if not self.sync_instance(context, instance_uuid):
                self._deferred.add(instance_uuid)
        except Exception:
            LOG.exception('Power state sync of instance %s failed',
                          instance_uuid)

    def _retry_deferred(self, context):
        deferred, self._deferred = self._deferred, set()
        for instance_uuid in deferred:
            self._sync_or_defer(context, instance_uuid)

    def sync_instance(self, context, instance_uuid):
        """Sync one instance of this host unless a task holds it.

        :returns: False if a task holds it (nothing was done), else True.
        """
        try:
            with locks.instance_lock(instance_uuid, blocking=False):
                try:
                    instance = instance_obj.get(context, instance_uuid)
                except exception.InstanceNotFound:
                    return True
                if instance['host'] == self.manager.host:
                    self.sync_locked(context, instance)
                return True
        except locks.LockHeld:
            return False

    def sync_locked(self, context, instance):
        """Bring an instance in line with its guest (its lock held)."""
        current = self.manager.driver.get_power_state(instance)
        self.manager.serial_hubs.follow(instance['uuid'],
                                        current == power_state.RUNNING)
        values = {}
        if current != instance['power_state']:
            values['power_state'] = current
        status = instance['status']
        if status == instance_obj.ACTIVE and current in NOT_RUNNING:
            values['status'] = instance_obj.SHUTOFF
        elif (status == instance_obj.SHUTOFF and
                current == power_state.RUNNING):
            values['status'] = instance_obj.ACTIVE
        if not values:
            return
        # The guest's console ports are gone with it: its tokens go in
        # the same transaction as the status, so that a SHUTOFF instance
        # never has a token that still validates.
        changed, _row = instance_obj.update_if(
            context, instance['uuid'], values,
            {'status': (status,), 'task_state': (None,)},
            drop_console_tokens=values.get('status') == instance_obj.SHUTOFF)
        if not changed or 'status' not in values:
            return
        LOG.info('Guest of instance %s is %s: instance %s -> %s',
                 instance['uuid'], power_state.NAMES.get(current, current),
                 status, values['status'])

    def sync_host(self, context):
        """The periodic task: every instance and guest of this host."""
        self.reap_orphans(context)
        for instance in instance_obj.get_all_by_host(context,
                                                     self.manager.host):
            try:
                if instance['status'] == instance_obj.BUILD:
                    self.fail_if_stale(context, instance)
                elif instance['task_state'] is None:
                    self.sync_instance(context, instance['uuid'])
            except Exception:
                LOG.exception('Periodic sync of instance %s failed',
                              instance['uuid'])

    def reap_orphans(self, context):
        """Destroy the guests of this host that no live instance owns.

        :returns: the UUIDs reaped (list of str).
        """
        mine = {instance['uuid'] for instance in
                instance_obj.get_all_by_host(context, self.manager.host)}
        reaped = []
        for instance_uuid in self.manager.driver.list_instance_uuids():
            if instance_uuid in mine:
                continue
            with locks.instance_lock(instance_uuid):
                try:
                    # Live on another host sharing this hypervisor.
                    instance_obj.get(context, instance_uuid)
                    continue
                except exception.InstanceNotFound:
                    pass
                LOG.warning('Guest %s has no live instance: destroying it',
                            instance_uuid)
                self.manager.serial_hubs.stop(instance_uuid,
                                              'the instance was deleted')
                self.manager.driver.destroy({'uuid': instance_uuid})
                reaped.append(instance_uuid)
        return reaped

    def fail_if_stale(self, context, instance):
        """ERROR for a build older than ``[compute] build_timeout``."""
        threshold = timeutils.utcnow() - datetime.timedelta(
            seconds=CONF.compute.build_timeout)
        if instance['created_at'] > threshold:
            return
        fault = str(exception.BuildTimedOut(
            timeout=CONF.compute.build_timeout))
        changed, _row = instance_obj.update_if(
            context, instance['uuid'],
            {'status': instance_obj.ERROR, 'task_state': None,
             'fault': fault},
            {'status': (instance_obj.BUILD,)})
        if not changed:
            return
        LOG.error('Instance %s: %s', instance['uuid'], fault)
        # A build still running removes its guest when it ends; else:
        try:
            with locks.instance_lock(instance['uuid'], blocking=False):
                self.manager.driver.destroy(instance)
        except locks.LockHeld:
            pass
