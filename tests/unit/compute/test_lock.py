"""The lock of a server through compute.api: who locked it, who may
unlock it without the override, and what a lock refuses."""

import pytest

from consolehub.compute import api as compute_api
from consolehub import exception
from consolehub.objects import instance as instance_obj
from consolehub import rpc


@pytest.fixture
def compute(database, conf_fixture):
    conf_fixture.config(transport_url='fake://')
    yield compute_api.API()
    rpc.cleanup()


def _instance(context):
    instance = instance_obj.create(context, 'vm', 64, 1, None)
    return instance_obj.update(context, instance['uuid'],
                               {'status': instance_obj.ACTIVE})


def test_the_owner_locks_and_an_admin_takes_the_lock_over(compute,
                                                          project_a, admin):
    instance = compute.lock(project_a, _instance(project_a))
    assert (instance['locked'], instance['locked_by']) == (True, 'owner')
    assert compute.is_expected_locked_by(project_a, instance)
    assert not compute.is_expected_locked_by(admin, instance)
    instance = compute.lock(admin, instance)
    assert instance['locked_by'] == 'admin'
    assert compute.lock(project_a, instance)['locked_by'] == 'admin'
    assert not compute.is_expected_locked_by(project_a, instance)
    instance = compute.unlock(admin, instance)
    assert (instance['locked'], instance['locked_by']) == (False, None)


def test_a_lock_refuses_changes_but_to_admins(compute, project_a, admin):
    instance = compute.lock(project_a, _instance(project_a))
    for change in (
            lambda: compute.stop(project_a, instance),
            lambda: compute.snapshot(project_a, instance, 'snap', {}),
            lambda: compute.update_metadata(project_a, instance, {'k': 'v'},
                                            False),
            lambda: compute.delete(project_a, instance['uuid'])):
        with pytest.raises(exception.InstanceIsLocked) as refused:
            change()
        assert refused.value.code == 409
        assert str(refused.value) == 'Instance %s is locked' % (
            instance['uuid'])
    assert compute.update_metadata(admin, instance, {'k': 'v'},
                                   False) == {'k': 'v'}
    compute.delete(admin, instance['uuid'])
    with pytest.raises(exception.InstanceNotFound):
        compute.get(project_a, instance['uuid'])
