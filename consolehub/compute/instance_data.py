"""What compute's API does with the data a server carries: its metadata
and its tags, and the states that allow changing them (as Nova)."""

from consolehub import exception
from consolehub.objects import instance as instance_obj
from consolehub.objects import instance_metadata
from consolehub.objects import instance_tag

#: The statuses whose tags may change: Nova's active, paused, suspended
#: and stopped vm_states, of which we have two.
_TAG_STATUSES = (instance_obj.ACTIVE, instance_obj.SHUTOFF)


def _vm_state_conflict(instance, action):
    return exception.InstanceActionConflict(
        action=action, instance_id=instance['uuid'], attr='vm_state',
        state=instance_obj.VM_STATES.get(instance['status'],
                                         instance['status'].lower()))


class InstanceDataMixin(object):
    """Metadata and tags of instances; mixed into
    :class:`consolehub.compute.api.API`, which supplies
    ``_check_not_locked``."""

    def get_metadata(self, context, instance_uuids):
        """``{instance_uuid: {key: value}}`` of instances the caller
        has read."""
        return instance_metadata.get_many(context, instance_uuids)

    def _check_metadata_change(self, context, instance, action):
        # Nova changes metadata of an idle ACTIVE or stopped server only,
        # and of a locked one for admins only.
        self._check_not_locked(context, instance)
        if instance['status'] not in (instance_obj.ACTIVE,
                                      instance_obj.SHUTOFF):
            raise _vm_state_conflict(instance, action)
        if instance['task_state'] is not None:
            raise exception.InstanceActionConflict(
                action=action, instance_id=instance['uuid'],
                attr='task_state', state=instance['task_state'])

    def update_metadata(self, context, instance, metadata, replace):
        """Merge ``metadata`` into an instance's (``replace``: make it all
        of it); returns the whole metadata.

        :param instance: the instance dict the caller read.
        :raises InstanceIsLocked: it is locked and the caller is no admin.
        :raises InstanceActionConflict: it is not ACTIVE or SHUTOFF, or
            is in a task (Nova's 409).
        :raises MetadataLimitExceeded: it would hold too many items.
        """
        self._check_metadata_change(context, instance, 'update metadata')
        return instance_metadata.update(context, instance['uuid'],
                                        metadata, replace)

    def delete_metadata_key(self, context, instance, key):
        """Remove one key of an instance's metadata.

        :raises InstanceIsLocked, InstanceActionConflict: as
            :meth:`update_metadata`.
        :raises MetadataKeyNotFound: it has no such key.
        """
        self._check_metadata_change(context, instance, 'delete metadata')
        instance_metadata.delete_key(context, instance['uuid'], key)

    def get_tags(self, context, instance_uuids):
        """``{instance_uuid: [tag, ...]}`` of instances the caller has
        read, oldest tag first."""
        return instance_tag.get_many(context, instance_uuids)

    def _check_tag_change(self, instance, action):
        # Nova's server tags controller checks the vm_state only.
        if instance['status'] not in _TAG_STATUSES:
            raise _vm_state_conflict(instance, action)

    def replace_tags(self, context, instance, tags):
        """Make ``tags`` (list of str) all of the instance's tags; returns
        them, duplicates dropped.

        :raises InstanceActionConflict: it is not ACTIVE or SHUTOFF.
        :raises TagLimitExceeded: more than 50 distinct tags.
        """
        self._check_tag_change(instance, 'update tags')
        return instance_tag.replace(context, instance['uuid'], tags)

    def add_tag(self, context, instance, tag):
        """Add one tag; returns True if added, False if it was there.

        :raises InstanceActionConflict: it is not ACTIVE or SHUTOFF.
        :raises TagLimitExceeded: it has 50 tags already.
        """
        self._check_tag_change(instance, 'update tag')
        return instance_tag.add(context, instance['uuid'], tag)

    def delete_tag(self, context, instance, tag):
        """Remove one tag.

        :raises InstanceActionConflict: it is not ACTIVE or SHUTOFF.
        :raises InstanceTagNotFound: it has no such tag.
        """
        self._check_tag_change(instance, 'delete tag')
        instance_tag.delete(context, instance['uuid'], tag)

    def delete_all_tags(self, context, instance):
        """Remove every tag of the instance.

        :raises InstanceActionConflict: it is not ACTIVE or SHUTOFF.
        """
        self._check_tag_change(instance, 'delete tags')
        instance_tag.delete(context, instance['uuid'])
