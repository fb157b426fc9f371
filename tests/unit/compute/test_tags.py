"""Server tags through compute.api: the states that allow a change, the
bound of 50, and the purge of a deleted server's tags."""

import datetime

from oslo_utils import timeutils
import pytest

from consolehub.compute import api as compute_api
from consolehub.db import purge as db_purge
from consolehub import exception
from consolehub.objects import instance as instance_obj
from consolehub.objects import instance_tag
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
def test_tags_of_a_building_or_failed_server_are_409(compute, project_a,
                                                     status):
    instance = _instance(project_a, status)
    for change in (lambda: compute.replace_tags(project_a, instance, ['a']),
                   lambda: compute.add_tag(project_a, instance, 'a'),
                   lambda: compute.delete_tag(project_a, instance, 'a'),
                   lambda: compute.delete_all_tags(project_a, instance)):
        with pytest.raises(exception.InstanceActionConflict) as refused:
            change()
        assert refused.value.code == 409
        assert 'while it is in vm_state' in str(refused.value)
    assert compute.get_tags(project_a, [instance['uuid']]) == {
        instance['uuid']: []}


def test_tags_change_in_a_task_as_nova(compute, project_a):
    instance = _instance(project_a, instance_obj.ACTIVE,
                         instance_obj.TASK_POWERING_OFF)
    assert compute.add_tag(project_a, instance, 'a') is True
    assert compute.add_tag(project_a, instance, 'a') is False


def test_tags_are_bounded_and_a_refused_change_keeps_them(
        compute, project_a):
    instance = _instance(project_a, instance_obj.SHUTOFF)
    full = ['t%d' % n for n in range(instance_tag.MAX_TAGS)]
    assert compute.replace_tags(project_a, instance, full + full) == full
    with pytest.raises(exception.TagLimitExceeded) as refused:
        compute.add_tag(project_a, instance, 'one-more')
    assert refused.value.code == 400
    assert compute.add_tag(project_a, instance, 't0') is False
    with pytest.raises(exception.TagLimitExceeded):
        compute.replace_tags(project_a, instance, full + ['one-more'])
    assert compute.get_tags(project_a, [instance['uuid']])[
        instance['uuid']] == full


def test_another_projects_server_has_no_tags_to_change(compute, project_a,
                                                       project_b):
    instance = _instance(project_a, instance_obj.ACTIVE)
    with pytest.raises(exception.InstanceNotFound):
        compute.add_tag(project_b, instance, 'a')


def test_purge_removes_the_tags_of_purged_servers(compute, project_a,
                                                  admin):
    gone = _instance(project_a, instance_obj.ACTIVE)
    kept = _instance(project_a, instance_obj.ACTIVE)
    compute.replace_tags(project_a, gone, ['a', 'b'])
    compute.replace_tags(project_a, kept, ['a'])
    instance_obj.destroy(project_a, gone['uuid'])
    later = timeutils.utcnow() + datetime.timedelta(seconds=1)
    assert db_purge.instances_purge(admin, later) == 1
    assert instance_tag.get_many(admin, [gone['uuid'], kept['uuid']]) == {
        gone['uuid']: [], kept['uuid']: ['a']}
