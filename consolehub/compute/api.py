"""What the API handlers ask of compute: the instance life cycle.

This layer owns the instance's state in the database and picks the host;
guest work goes to that host's agent through :mod:`rpcapi`. Each request
that changes an instance is recorded in its action log
(:mod:`consolehub.objects.instance_action_log`) once it is accepted.
"""

import secrets
import threading

import cachetools
from oslo_log import log as logging

from consolehub.compute import instance_data
from consolehub.compute import keyboard
from consolehub.compute import rpcapi
from consolehub.conf import CONF
from consolehub import context as consolehub_context
from consolehub import exception
from consolehub.image import api as image_api
from consolehub.objects import console_session
from consolehub.objects import console_types
from consolehub.objects import image as image_obj
from consolehub.objects import instance as instance_obj
from consolehub.objects import instance_action_log as action_log
from consolehub.objects import instance_tag
from consolehub.objects import service as service_obj

LOG = logging.getLogger(__name__)

#: Seconds the list of up hosts is reused. Far below service_down_time, so
#: a host that stops is still refused at once, and it saves a query on
#: every console request.
UP_HOSTS_CACHE_SECONDS = 1.0

#: Milliseconds each character of a ``type-text`` is held.
TYPE_HOLD_MS = 10


class API(instance_data.InstanceDataMixin):
    """Instance operations on behalf of a request context."""

    def __init__(self):
        self.rpcapi = rpcapi.ComputeAPI()
        self._up_hosts_cache = cachetools.TTLCache(
            maxsize=1, ttl=UP_HOSTS_CACHE_SECONDS)
        self._up_hosts_lock = threading.Lock()

    def _up_hosts(self):
        """Names of the compute hosts that are up (a list of str)."""
        with self._up_hosts_lock:
            hosts = self._up_hosts_cache.get('hosts')
            if hosts is None:
                admin = consolehub_context.get_admin_context()
                hosts = [service['host'] for service in
                         service_obj.get_all_compute(admin)
                         if service['is_up']]
                self._up_hosts_cache['hosts'] = hosts
            return hosts

    def _pick_host(self):
        """The up compute host with the fewest live instances, or None."""
        hosts = self._up_hosts()
        if not hosts:
            return None
        load = instance_obj.count_by_host(
            consolehub_context.get_admin_context())
        return min(hosts, key=lambda host: (load.get(host, 0), host))

    def service_get_all(self, context):
        """Every compute agent's service row, each with ``is_up``."""
        return service_obj.get_all_compute(context)

    def _require_host_up(self, instance):
        """Fail at once, rather than after an RPC timeout, if the
        instance's host has missed its heartbeats."""
        if instance['host'] not in self._up_hosts():
            raise exception.ComputeHostDown(
                host=instance['host'], down_time=CONF.service_down_time)

    def _boot_image(self, context, image_id):
        """The image an instance is to boot (dict).

        :raises ImageRefInvalid: no such image, or not the caller's to see.
        """
        try:
            return image_obj.get(context, image_id)
        except exception.ImageNotFound:
            raise exception.ImageRefInvalid(image_id=image_id)

    def create_many(self, context, name, memory_mb, vcpus, min_count,
                    max_count, image_id=None, root_gb=None, extra=None,
                    metadata=None, tags=None):
        """Nova's multiple create: as many instances as the quotas allow,
        from ``min_count`` to ``max_count``, sharing one reservation id.

        With more than one, their names are ``<name>-1``, ``<name>-2``,
        ... (Nova's default ``multi_instance_display_name_template``).
        Arguments as :meth:`create`.

        :returns: ``(reservation_id, [instance, ...])``.
        :raises OverQuota: not even ``min_count`` fit; nothing is made.
            Should a concurrent create take the room meanwhile, those
            already made stay.
        """
        count = instance_obj.count_within_quota(context, vcpus, memory_mb,
                                                min_count, max_count)
        reservation_id = 'r-' + secrets.token_hex(4)
        instances = []
        for index in range(count):
            try:
                instances.append(self.create(
                    context, '%s-%d' % (name, index + 1) if count > 1
                    else name, memory_mb, vcpus, image_id=image_id,
                    root_gb=root_gb, metadata=metadata, tags=tags,
                    extra=dict(extra or {}, reservation_id=reservation_id,
                               launch_index=index)))
            except exception.OverQuota:
                if index < min_count:
                    raise
                break
        return reservation_id, instances

    def create(self, context, name, memory_mb, vcpus, host=None,
               image_id=None, root_gb=None, extra=None, metadata=None,
               tags=None):
        """Record a BUILD instance and ask its host to start the guest.

        :param memory_mb: MiB; None: ``[compute] default_memory_mb``, or
            the image's ``min_ram`` if that is more.
        :param host: the compute host to build on (an administrator's
            choice); None picks the up host with the fewest instances.
        :param image_id: the image to boot from a copy-on-write disk of
            ``root_gb`` GiB (None or 0: the size the image needs); None:
            a diskless guest.
        :param extra: more columns of the instance (``description``,
            ``access_ip_v4``, ``disk_config``, ``user_data``, ...).
        :param metadata: its metadata, ``{key: value}``.
        :param tags: its tags (a list, at most ``instance_tag.MAX_TAGS``
            distinct), set before its host is asked to build it.
        :raises HostUnavailable: if ``host`` is given but is not a compute
            host that is up; nothing is recorded.
        :raises ImageRefInvalid, ImageNotActive, FlavorMemoryTooSmall,
            FlavorDiskTooSmall: the image cannot boot this instance.

        With no compute host up the instance goes to ERROR with a
        "No valid host" fault, as in Nova.
        """
        image = None
        if image_id is not None:
            image = self._boot_image(context, image_id)
            if memory_mb is None:
                memory_mb = max(CONF.compute.default_memory_mb,
                                image['min_ram'])
            # Nova's flavor disk 0: a disk the size the image needs.
            root_gb = root_gb or image_obj.root_gb_needed(image)
            image_obj.check_bootable(image, memory_mb, root_gb)
        elif memory_mb is None:
            memory_mb = CONF.compute.default_memory_mb
        if host is not None:
            if host not in self._up_hosts():
                raise exception.HostUnavailable(host=host)
        else:
            host = self._pick_host()
        instance = instance_obj.create(
            context, name, memory_mb, vcpus, host,
            image_ref=image['uuid'] if image else None,
            root_gb=root_gb if image else 0, extra=extra, metadata=metadata)
        action_log.record_action(context, instance['uuid'], action_log.CREATE)
        if tags:
            instance_tag.replace(context, instance['uuid'], tags)
        if host is None:
            fault = str(exception.NoValidHost(
                reason='no consolehub-compute service is up'))
            return instance_obj.update(
                context, instance['uuid'],
                {'status': instance_obj.ERROR, 'fault': fault})
        self.rpcapi.build_instance(context, instance)
        return instance

    def get(self, context, instance_uuid):
        """The instance; raises InstanceNotFound outside the project."""
        return instance_obj.get(context, instance_uuid)

    def get_all(self, context, limit, marker=None, project_id=None,
                filters=None):
        """Up to ``limit`` instances after ``marker``, oldest first.

        :param project_id: only this project's; None: all the context
            may see.
        :param filters: as :func:`consolehub.objects.instance.get_all`.
        :raises MarkerNotFound: ``marker`` is not a visible instance.
        """
        return instance_obj.get_all(context, limit, marker, project_id,
                                    filters)

    def update(self, context, instance_uuid, values):
        """Change what Nova's ``PUT /servers/{id}`` may change
        (``name``, ``description``, ``access_ip_v4``, ``access_ip_v6``,
        ``disk_config``); returns the instance."""
        return instance_obj.update(context, instance_uuid, values)

    def _check_not_locked(self, context, instance):
        """Where actions are admitted: a locked instance refuses every
        change but to administrators (Nova's ``check_instance_lock``).

        :raises InstanceIsLocked: it is locked and ``context`` is no
            admin's.
        """
        if instance.get('locked') and not context.is_admin:
            raise exception.InstanceIsLocked(instance_uuid=instance['uuid'])

    def lock(self, context, instance):
        """Lock the instance (Nova's ``lock`` action): it then refuses
        stop, start, reboot, delete, createImage and metadata changes by
        non-admins. Locked by its own project, ``locked_by`` is
        ``owner``; by an administrator of another, ``admin``. Locking an
        instance its owner locked already changes nothing."""
        is_owner = instance['project_id'] == context.project_id
        if instance.get('locked') and is_owner:
            return instance
        action_log.record_action(context, instance['uuid'], action_log.LOCK)
        return instance_obj.update(
            context, instance['uuid'],
            {'locked': True, 'locked_by': 'owner' if is_owner else 'admin'})

    def is_expected_locked_by(self, context, instance):
        """Whether ``context`` may unlock the instance without Nova's
        ``unlock_override`` rule: it is unlocked, or locked by its owner
        and ``context`` is the owner's, or by an admin and ``context`` is
        another project's."""
        expected = ('owner' if instance['project_id'] == context.project_id
                    else 'admin')
        return instance.get('locked_by') in (None, expected)

    def unlock(self, context, instance):
        """Unlock the instance (Nova's ``unlock`` action); the caller
        checked :meth:`is_expected_locked_by` or the override."""
        action_log.record_action(context, instance['uuid'],
                                 action_log.UNLOCK)
        return instance_obj.update(context, instance['uuid'],
                                   {'locked': False, 'locked_by': None})

    def reset_state(self, context, instance, status):
        """Nova's ``os-resetState``: make the instance ``status``
        (``ACTIVE`` or ``ERROR``) with no task, and ask nothing of its
        host; returns the instance."""
        return instance_obj.update(context, instance['uuid'],
                                   {'status': status, 'task_state': None})

    def rename(self, context, instance_uuid, name):
        return instance_obj.update(context, instance_uuid, {'name': name})

    def delete(self, context, instance_uuid):
        """Remove the guest, the instance and its console tokens.

        An instance that never reached a host is removed here directly,
        and so is one whose host is down (Nova's "local delete"): that
        host destroys the guest when it comes back.

        :raises InstanceIsLocked: it is locked and the caller is no admin.
        :raises ComputeHostUnavailable: the host is up but did not answer
            (or gave no sign of life): nothing was removed and the delete
            can be retried.
        :raises InstanceDeleteFailed: the host could not remove the
            guest; the instance is ERROR, and the delete can be retried.
        """
        instance = instance_obj.get(context, instance_uuid)
        self._check_not_locked(context, instance)
        action_log.record_action(context, instance_uuid, action_log.DELETE)
        if instance['host'] is None:
            instance_obj.destroy(context, instance_uuid)
            return
        if instance['host'] not in self._up_hosts():
            LOG.warning('Host %s of instance %s is down: deleting the '
                        'instance here; the host removes its guest when it '
                        'is back', instance['host'], instance_uuid)
            instance_obj.destroy(context, instance_uuid)
            return
        instance_obj.update(context, instance_uuid,
                            {'task_state': instance_obj.TASK_DELETING})
        try:
            self.rpcapi.terminate_instance(context, instance)
        except exception.InstanceNotFound:
            pass  # deleted meanwhile: that is what was asked
        except exception.ComputeHostUnavailable:
            # Nothing was removed: the instance is usable again. Unless
            # its agent, restarting, finished the delete meanwhile.
            try:
                instance_obj.finish_task(context, instance_uuid,
                                         instance_obj.TASK_DELETING, {})
            except exception.InstanceNotFound:
                return
            raise

    def snapshot(self, context, instance, name, metadata):
        """Nova's createImage: a queued private image of the instance's
        disk, which its host then fills (``image_type: snapshot``).

        :param instance: the instance dict the caller just read.
        :param metadata: custom properties of the image (``{str: str}``).
        :returns: the new image (dict).
        :raises InstanceIsLocked: it is locked and the caller is no admin.
        :raises InstanceHasNoDisk: it boots no image.
        :raises InstanceInvalidState: it is not ACTIVE or SHUTOFF.
        :raises InstanceBusy: another task (a snapshot, a delete) runs.
        :raises ComputeHostDown: its host is down.
        """
        self._check_not_locked(context, instance)
        if not instance['image_ref']:
            raise exception.InstanceHasNoDisk(instance_id=instance['uuid'])
        allowed = (instance_obj.ACTIVE, instance_obj.SHUTOFF)
        if instance['status'] not in allowed:
            raise exception.InstanceInvalidState(
                instance_id=instance['uuid'], status=instance['status'],
                action='createImage', expected=' or '.join(allowed))
        if instance['task_state'] is not None:
            raise exception.InstanceBusy(
                action='createImage', instance_id=instance['uuid'],
                task_state=instance['task_state'])
        self._require_host_up(instance)
        min_ram = 0
        try:
            min_ram = image_obj.get(consolehub_context.get_admin_context(),
                                    instance['image_ref'])['min_ram']
        except exception.ImageNotFound:
            pass
        properties = dict(metadata, image_type='snapshot',
                          instance_uuid=instance['uuid'],
                          base_image_ref=instance['image_ref'],
                          user_id=context.user_id or '')
        image = image_api.create(context, {
            'name': name, 'disk_format': 'qcow2',
            'container_format': 'bare', 'visibility': 'private',
            'min_ram': min_ram, 'min_disk': instance['root_gb'],
        }, properties)
        instance_obj.update(context, instance['uuid'],
                            {'task_state': instance_obj.TASK_IMAGE_SNAPSHOT},
                            expected_status=allowed)
        action_log.record_action(context, instance['uuid'],
                                 action_log.CREATE_IMAGE)
        self.rpcapi.snapshot_instance(context, instance, image['uuid'])
        return image

    def _action(self, context, instance, action, call, **kwargs):
        """Claim ``instance`` for ``action`` and hand it to its host.

        :raises InstanceIsLocked: it is locked and the caller is no admin.
        :raises InstanceNotReady: it never reached a host.
        :raises ComputeHostDown: its host is down.
        :raises InstanceActionConflict: its state refuses the action.
        :raises ComputeHostUnavailable: the host did not take the work;
            the instance is left as it was.
        """
        self._check_not_locked(context, instance)
        if instance['host'] is None:
            raise exception.InstanceNotReady(instance_id=instance['uuid'])
        self._require_host_up(instance)
        claimed = instance_obj.begin_action(context, instance, action)
        action_log.record_action(context, instance['uuid'],
                                 action.replace('-hard', ''))
        try:
            call(context, claimed, **kwargs)
        except exception.ComputeHostUnavailable:
            instance_obj.finish_task(context, instance['uuid'],
                                     claimed['task_state'], {})
            raise
        return claimed

    def stop(self, context, instance):
        """Stop the guest (Nova's ``os-stop``): ACPI power button, then
        power off after ``[DEFAULT] shutdown_timeout``; ends SHUTOFF.

        :param instance: the instance dict the caller just read.
        :returns: the instance, in task ``powering-off``.
        :raises: as :meth:`_action`.
        """
        return self._action(context, instance, 'stop',
                            self.rpcapi.stop_instance)

    def start(self, context, instance):
        """Start a SHUTOFF instance's guest (``os-start``); ends ACTIVE.

        :raises: as :meth:`_action`.
        """
        return self._action(context, instance, 'start',
                            self.rpcapi.start_instance)

    def reboot(self, context, instance, reboot_type):
        """Reboot the guest (Nova's ``reboot``); ends ACTIVE.

        :param reboot_type: ``SOFT`` (ACPI power off and start, a reset
            after ``[DEFAULT] reboot_timeout``) or ``HARD`` (reset; also
            starts a SHUTOFF or ERROR instance).
        :raises: as :meth:`_action`.
        """
        action = 'reboot-hard' if reboot_type == 'HARD' else 'reboot'
        return self._action(context, instance, action,
                            self.rpcapi.reboot_instance,
                            reboot_type=reboot_type)

    def get_console_output(self, context, instance, length=None):
        """The end of the guest's serial output (str).

        :param length: the number of last lines; None or -1: all that is
            kept (``[serial_console] log_max_bytes``).
        :raises InstanceNotReady: it never reached a host.
        :raises InstanceBeingDeleted: it is being deleted.
        :raises ComputeHostUnavailable: its host is down or silent.
        """
        instance_obj.check_console_output_allowed(instance)
        self._require_host_up(instance)
        return self.rpcapi.get_console_output(context, instance, length)

    def _check_guest_input(self, instance, action):
        """The screen and keyboard of a guest are there while it runs.

        :raises InstanceInvalidState: not ACTIVE (Nova's 409).
        :raises InstanceBeingDeleted: a delete is in progress.
        :raises ComputeHostDown: its host is down.
        """
        if instance['status'] != instance_obj.ACTIVE:
            raise exception.InstanceInvalidState(
                instance_id=instance['uuid'], status=instance['status'],
                action=action, expected=instance_obj.ACTIVE)
        if instance['task_state'] == instance_obj.TASK_DELETING:
            raise exception.InstanceBeingDeleted(instance_id=instance['uuid'])
        self._require_host_up(instance)

    def get_screenshot(self, context, instance):
        """A PNG (bytes) of an ACTIVE guest's screen, taken by its
        hypervisor (no console session is opened or disturbed).

        :raises: as :meth:`_check_guest_input`; ComputeHostUnavailable;
            ScreenshotTooLarge or HypervisorError from the host.
        """
        self._check_guest_input(instance, 'a screenshot')
        return self.rpcapi.get_screenshot(context, instance)

    def send_keys(self, context, instance, names, hold_ms):
        """Press the keys ``names`` (list of str, see
        :mod:`consolehub.compute.keyboard`) together for ``hold_ms``.

        :raises KeyNamesUnknown: an unknown key name.
        :raises: as :meth:`get_screenshot`.
        """
        chord = keyboard.chord_for_names(names)
        self._check_guest_input(instance, 'send-keys')
        self.rpcapi.send_keys(context, instance, [chord], hold_ms)

    def type_text(self, context, instance, text, layout):
        """Type ``text`` on the guest's keyboard, one chord a character
        held :data:`TYPE_HOLD_MS`, with the keys of ``layout``.

        :raises TextNotTypable, KeyboardLayoutUnknown: from
            :func:`consolehub.compute.keyboard.chords_for_text`.
        :raises: as :meth:`get_screenshot`.
        """
        chords = keyboard.chords_for_text(text, layout)
        self._check_guest_input(instance, 'type-text')
        self.rpcapi.send_keys(context, instance, chords, TYPE_HOLD_MS)

    def get_console(self, context, instance, protocol, console_type,
                    view_only=False, record=False):
        """An ``access_url`` of ``(protocol, console_type)`` for an ACTIVE
        instance; with ``record``, the proxy records the session.

        :param instance: the instance dict the caller just read with
            :meth:`get`.
        :param view_only: bool; the console shows the guest and takes no
            input (the proxy drops it).
        :param record: bool; the proxy records the session.
        :raises ConsoleTypeInvalid: a pair Nova does not know.
        :raises ConsoleProtocolNotImplemented: RDP and MKS.
        :raises ConsoleTypeNotServed: a pair we do not serve.
        :raises ConsoleTypeUnavailable: a console the guest lacks.
        :raises InstanceInvalidState: the instance is not ACTIVE, or is
            being deleted (Nova's 409 for both).
        :raises ComputeHostUnavailable: its host is down or silent.
        """
        console_types.check_requested(protocol, console_type)
        instance_obj.check_console_allowed(instance)
        self._require_host_up(instance)
        return self.rpcapi.get_console(context, instance, protocol,
                                       console_type, view_only=view_only,
                                       record=record)['access_url']

    def get_console_sessions(self, context, instance_uuid):
        """Every console session of a visible instance, newest first."""
        return console_session.get_all_by_instance(context, instance_uuid)

    def end_console_session(self, context, instance_uuid, session_uuid):
        """Ask the console proxy to end an open session.

        The proxy closes it within ``[console] session_check_interval``
        seconds.

        :raises InstanceNotFound, ConsoleSessionNotFound.
        """
        return console_session.request_end(
            context, instance_uuid, session_uuid,
            console_session.REASON_ENDED_BY_ADMIN)
