"""The action log of instances, as Nova keeps it.

The API records an *action* for each request that changes an instance
(:data:`CREATE`, :data:`STOP`, ... with the request's id, the caller,
the time); the compute host records the *events* of that action (e.g.
``compute_stop_instance``) with their start, finish and result,
``Success`` or ``Error`` with the traceback. An event whose action was
not recorded (work not started by an API request: power sync, recovery)
is not recorded. Recording never fails the work it describes: a
database error is logged and the work goes on.
"""

import contextlib
import traceback

from oslo_log import log as logging
from oslo_utils import timeutils

from consolehub.db import instance_action_log as db_log
from consolehub import exception

LOG = logging.getLogger(__name__)

#: Nova's action names (nova/compute/instance_actions.py).
CREATE = 'create'
DELETE = 'delete'
STOP = 'stop'
START = 'start'
REBOOT = 'reboot'
CREATE_IMAGE = 'createImage'
LOCK = 'lock'
UNLOCK = 'unlock'

SUCCESS = 'Success'
ERROR = 'Error'

#: Nova's event names of the compute host's work.
EVENT_BUILD = 'compute__do_build_and_run_instance'
EVENT_TERMINATE = 'compute_terminate_instance'
EVENT_STOP = 'compute_stop_instance'
EVENT_START = 'compute_start_instance'
EVENT_REBOOT = 'compute_reboot_instance'
EVENT_SNAPSHOT = 'compute_snapshot_instance'


def record_action(context, instance_uuid, action):
    """Record ``action`` on the instance for the request of ``context``
    (its ``request_id``, ``user_id``, ``project_id``); None if that
    failed (logged)."""
    if not context.request_id:
        return None
    try:
        return db_log.action_start(context, {
            'action': action, 'instance_uuid': instance_uuid,
            'request_id': context.request_id, 'user_id': context.user_id,
            'project_id': context.project_id,
            'start_time': timeutils.utcnow()})
    except Exception:
        LOG.exception('Cannot record action %s of instance %s', action,
                      instance_uuid)
        return None


def _finish(context, event_id, result, trace=None):
    try:
        db_log.event_finish(context, event_id, result, trace)
    except Exception:
        LOG.exception('Cannot record the end of event %s', event_id)


@contextlib.contextmanager
def event(context, instance_uuid, name, host=None):
    """Record ``name`` as an event of the action the request of
    ``context`` made on the instance, around the block: ``Success`` when
    it ends, ``Error`` with the traceback when it raises (re-raised)."""
    event_id = None
    if context.request_id:
        try:
            event_id = db_log.event_start(context, instance_uuid,
                                          context.request_id, name, host)
        except Exception:
            LOG.exception('Cannot record event %s of instance %s', name,
                          instance_uuid)
    try:
        yield
    except Exception:
        if event_id is not None:
            _finish(context, event_id, ERROR, traceback.format_exc())
        raise
    if event_id is not None:
        _finish(context, event_id, SUCCESS)


def get_instance(context, instance_uuid, include_deleted):
    """The instance whose log is read (dict); a deleted one only with
    ``include_deleted``. Raises InstanceNotFound."""
    instance = db_log.instance_get_including_deleted(context, instance_uuid)
    if instance['deleted_at'] is not None and not include_deleted:
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    return instance


def get_actions(context, instance_uuid, limit=None, marker=None,
                changes_since=None, changes_before=None):
    """The instance's actions, newest first (dicts); arguments and
    errors as :func:`consolehub.db.instance_action_log.actions_get`."""
    return db_log.actions_get(context, instance_uuid, limit=limit,
                              marker=marker, changes_since=changes_since,
                              changes_before=changes_before)


def get_action(context, instance_uuid, request_id):
    """The action ``request_id`` made; raises InstanceActionNotFound."""
    return db_log.action_get_by_request_id(context, instance_uuid,
                                           request_id)


def get_events(context, action_id):
    """The events of an action, oldest first (dicts)."""
    return db_log.events_get(context, action_id)
