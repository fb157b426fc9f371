"""Server metadata through compute.api: the states that allow a change,
the item bound, and multiple create within quotas."""

import pytest

from consolehub.compute import api as compute_api
from consolehub import exception
from consolehub.objects import instance as instance_obj
from consolehub.objects import instance_metadata
from consolehub.objects import quota
from consolehub import rpc


@pytest.fixture
def compute(database, conf_fixture):
    conf_fixture.config(transport_url='fake://')
    yield compute_api.API()
    rpc.cleanup()


def _instance(context, status, task_state=None):
    instance = instance_obj.create(context, 'vm', 64, 1, None)
    return instance_obj.update(context, instance['uuid'],
                               {'status': status, 'task_state': task_state})


@pytest.mark.parametrize('status', [instance_obj.BUILD, instance_obj.ERROR])
def test_metadata_of_a_building_or_failed_server_is_409(
        compute, project_a, status):
    instance = _instance(project_a, status)
    with pytest.raises(exception.InstanceActionConflict) as refused:
        compute.update_metadata(project_a, instance, {'k': 'v'}, False)
    assert refused.value.code == 409
    assert "Cannot 'update metadata'" in str(refused.value)
    assert 'while it is in vm_state' in str(refused.value)
    assert compute.get_metadata(project_a, [instance['uuid']]) == {
        instance['uuid']: {}}


def test_metadata_of_a_busy_server_is_409(compute, project_a):
    instance = _instance(project_a, instance_obj.ACTIVE,
                         instance_obj.TASK_POWERING_OFF)
    with pytest.raises(exception.InstanceActionConflict) as refused:
        compute.delete_metadata_key(project_a, instance, 'k')
    assert "Cannot 'delete metadata'" in str(refused.value)
    assert 'task_state powering-off' in str(refused.value)


def test_metadata_is_bounded_and_a_refused_change_keeps_it(compute,
                                                           project_a):
    instance = _instance(project_a, instance_obj.SHUTOFF)
    full = {'k%d' % n: 'v' for n in range(instance_metadata.MAX_ITEMS)}
    assert compute.update_metadata(project_a, instance, full, True) == full
    with pytest.raises(exception.MetadataLimitExceeded) as refused:
        compute.update_metadata(project_a, instance, {'one-more': 'v'},
                                False)
    assert refused.value.code == 403
    assert str(refused.value) == (
        'Maximum number of metadata items exceeds %d'
        % instance_metadata.MAX_ITEMS)
    assert compute.get_metadata(project_a, [instance['uuid']])[
        instance['uuid']] == full
    # Replacing with as many is fine: the bound is on what is kept.
    other = {'o%d' % n: 'w' for n in range(instance_metadata.MAX_ITEMS)}
    assert compute.update_metadata(project_a, instance, other, True) == other


def test_too_much_metadata_at_create_is_refused():
    too_many = {'k%d' % n: 'v'
                for n in range(instance_metadata.MAX_ITEMS + 1)}
    with pytest.raises(exception.MetadataLimitExceeded):
        instance_metadata.check_count(too_many)
    instance_metadata.check_count(dict(list(too_many.items())[1:]))


def test_multiple_create_shrinks_to_the_quota(compute, project_a, admin):
    quota.set_limits(admin, project_a.project_id, {'cores': 3})
    reservation_id, made = compute.create_many(project_a, 'web', 64, 1, 1, 5)
    assert [instance['name'] for instance in made] == [
        'web-1', 'web-2', 'web-3']
    assert {instance['reservation_id'] for instance in made} == {
        reservation_id}
    assert [instance['launch_index'] for instance in made] == [0, 1, 2]
    with pytest.raises(exception.OverQuota):
        compute.create_many(project_a, 'more', 64, 1, 1, 1)


def test_one_server_of_a_multiple_create_keeps_its_name(compute, project_a,
                                                        admin):
    quota.set_limits(admin, project_a.project_id, {'instances': 1})
    _, made = compute.create_many(project_a, 'solo', 64, 1, 1, 4)
    assert [instance['name'] for instance in made] == ['solo']


def test_metadata_of_a_deleted_server_cannot_change(compute, project_a):
    instance = _instance(project_a, instance_obj.ACTIVE)
    instance_obj.destroy(project_a, instance['uuid'])
    with pytest.raises(exception.InstanceNotFound):
        compute.update_metadata(project_a, instance, {'k': 'v'}, False)
    with pytest.raises(exception.InstanceNotFound):
        compute.delete_metadata_key(project_a, instance, 'k')
