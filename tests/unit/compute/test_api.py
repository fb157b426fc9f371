"""compute.api with a real database and the in-process RPC transport."""

import pytest

from consolehub.compute import api as compute_api
from consolehub.db import services as db_services
from consolehub import exception
from consolehub.objects import instance as instance_obj
from consolehub.objects import service as service_obj
from consolehub import rpc


@pytest.fixture
def compute(database, conf_fixture, admin):
    conf_fixture.config(transport_url='fake://')
    conf_fixture.config(compute_call_timeout=1, group='api')
    # A host that sends heartbeats but serves no RPC: calls time out.
    db_services.service_heartbeat(admin, 'silent-host',
                                  service_obj.COMPUTE_BINARY, 'compute')
    yield compute_api.API()
    rpc.cleanup()


@pytest.fixture
def active(project_a):
    instance = instance_obj.create(project_a, 'vm', 64, 1, 'silent-host')
    return instance_obj.update(project_a, instance['uuid'],
                               {'status': instance_obj.ACTIVE})


def test_console_of_an_instance_being_deleted_is_refused(compute, project_a,
                                                         active):
    deleting = instance_obj.update(
        project_a, active['uuid'], {'task_state': instance_obj.TASK_DELETING})
    with pytest.raises(exception.InstanceBeingDeleted) as refused:
        compute.get_console(project_a, deleting, 'vnc', 'novnc')
    assert 'is being deleted' in str(refused.value)
    # The API answers it as any instance in the wrong state: 409.
    assert isinstance(refused.value, exception.InstanceInvalidState)


def test_delete_that_reaches_no_agent_leaves_the_instance_usable(
        compute, project_a, active):
    with pytest.raises(exception.ComputeHostUnavailable):
        compute.delete(project_a, active['uuid'])
    instance = instance_obj.get(project_a, active['uuid'])
    assert instance['status'] == instance_obj.ACTIVE
    assert instance['task_state'] is None


@pytest.mark.parametrize('call', [
    lambda compute, context, instance: compute.get_screenshot(
        context, instance),
    lambda compute, context, instance: compute.send_keys(
        context, instance, ['enter'], 100),
    lambda compute, context, instance: compute.type_text(
        context, instance, 'hi', 'us'),
])
def test_screen_and_keys_need_an_active_instance(compute, project_a, active,
                                                 call):
    stopped = instance_obj.update(project_a, active['uuid'],
                                  {'status': instance_obj.SHUTOFF})
    with pytest.raises(exception.InstanceInvalidState):
        call(compute, project_a, stopped)
    deleting = instance_obj.update(
        project_a, active['uuid'], {'status': instance_obj.ACTIVE,
                                    'task_state': instance_obj.TASK_DELETING})
    with pytest.raises(exception.InstanceBeingDeleted):
        call(compute, project_a, deleting)


def test_keys_are_checked_before_any_call(compute, project_a, active):
    with pytest.raises(exception.KeyNamesUnknown):
        compute.send_keys(project_a, active, ['hyper'], 100)
    with pytest.raises(exception.TextNotTypable):
        compute.type_text(project_a, active, '\u00e9', 'us')


def test_typing_time_extends_the_wait_for_the_host(compute, project_a,
                                                   active):
    # Two unshifted characters: each pressed and released for 10 ms, then
    # a 10 ms gap, on top of [api] compute_call_timeout.
    with pytest.raises(exception.ComputeHostUnavailable) as raised:
        compute.type_text(project_a, active, 'ab', 'us')
    assert raised.value.kwargs['timeout'] == pytest.approx(1.06)
