"""The action log: events ending in success or error, what is not
recorded, who sees events (2.51), and the purge of a deleted instance's
log."""

import datetime

import pytest
import webob

from consolehub.api.handlers import server_action_log
from consolehub.api import microversion
from consolehub import context as consolehub_context
from consolehub.db import purge as db_purge
from consolehub.objects import instance as instance_obj
from consolehub.objects import instance_action_log as action_log


@pytest.fixture
def member():
    return consolehub_context.RequestContext(
        project_id='project-a', user_id='alice', roles=['member'],
        request_id='req-11111111-2222-3333-4444-555555555555')


@pytest.fixture
def stop(database, member):
    """An instance with a recorded stop whose event failed."""
    instance = instance_obj.create(member, 'vm', 64, 1, 'h')
    action_log.record_action(member, instance['uuid'], action_log.STOP)
    with pytest.raises(RuntimeError):
        with action_log.event(member, instance['uuid'],
                              action_log.EVENT_STOP, 'h'):
            raise RuntimeError('the guest would not stop')
    return instance


def test_a_failed_event_is_an_error_with_its_traceback(stop, member):
    action = action_log.get_action(member, stop['uuid'], member.request_id)
    assert (action['action'], action['message']) == ('stop', 'Error')
    [event] = action_log.get_events(member, action['id'])
    assert (event['event'], event['result'], event['host']) == (
        'compute_stop_instance', 'Error', 'h')
    assert 'RuntimeError: the guest would not stop' in event['traceback']
    assert event['finish_time'] is not None


def test_an_event_without_an_action_is_not_recorded(database, member):
    instance = instance_obj.create(member, 'vm', 64, 1, 'h')
    with action_log.event(member, instance['uuid'], action_log.EVENT_START):
        pass
    assert action_log.get_actions(member, instance['uuid']) == []


def test_work_without_a_request_is_not_recorded(database, member):
    instance = instance_obj.create(member, 'vm', 64, 1, 'h')
    periodic = consolehub_context.get_admin_context()
    periodic.request_id = None
    assert action_log.record_action(periodic, instance['uuid'],
                                    action_log.STOP) is None
    assert action_log.get_actions(member, instance['uuid']) == []


def _show(context, instance, version):
    req = webob.Request.blank('/v2.1/servers/x/os-instance-actions/y')
    req.environ['consolehub.context'] = context
    req.environ[microversion.ENVIRON_KEY] = microversion.APIVersion(version)
    req.urlvars = {'server_id': instance['uuid'],
                   'request_id': context.request_id}
    return server_action_log.show_server_action(req).json['instanceAction']


def test_from_2_51_a_member_sees_events_without_traceback(stop, member):
    assert 'events' not in _show(member, stop, '2.50')
    [event] = _show(member, stop, '2.51')['events']
    assert event['result'] == 'Error'
    assert 'traceback' not in event


def test_an_admin_sees_the_traceback(stop, member):
    admin = consolehub_context.RequestContext(
        project_id='admin-project', user_id='admin', roles=['admin'],
        request_id=member.request_id)
    [event] = _show(admin, stop, '2.1')['events']
    assert 'RuntimeError' in event['traceback']


def test_purging_a_deleted_instance_purges_its_log(stop, member, admin):
    instance_obj.destroy(member, stop['uuid'])
    assert len(action_log.get_actions(member, stop['uuid'])) == 1
    later = datetime.datetime.utcnow() + datetime.timedelta(days=1)
    assert db_purge.instances_purge(admin, later) == 1
    assert action_log.get_actions(member, stop['uuid']) == []
