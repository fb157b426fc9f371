"""Which state allows which action, refused in Nova's words."""

import pytest

from consolehub import exception
from consolehub.objects import instance as instance_obj


def _instance(context, status, task_state=None, host='h'):
    instance = instance_obj.create(context, 'vm', 64, 1, host)
    return instance_obj.update(context, instance['uuid'], {
        'status': status, 'task_state': task_state})


@pytest.mark.parametrize('action, status, task, claimed', [
    ('stop', 'ACTIVE', None, 'powering-off'),
    ('stop', 'ERROR', None, 'powering-off'),
    ('start', 'SHUTOFF', None, 'powering-on'),
    ('reboot', 'ACTIVE', None, 'rebooting'),
    ('reboot-hard', 'ACTIVE', None, 'rebooting_hard'),
    ('reboot-hard', 'SHUTOFF', None, 'rebooting_hard'),
    ('reboot-hard', 'ERROR', None, 'rebooting_hard'),
    ('reboot-hard', 'ACTIVE', 'reboot_started', 'rebooting_hard'),
    ('reboot-hard', 'ACTIVE', 'reboot_pending_hard', 'rebooting_hard'),
])
def test_allowed(database, project_a, action, status, task, claimed):
    instance = _instance(project_a, status, task)
    row = instance_obj.begin_action(project_a, instance, action)
    assert row['task_state'] == claimed
    assert instance_obj.get(project_a, instance['uuid'])['task_state'] == (
        claimed)


@pytest.mark.parametrize('action, status, task, words', [
    ('stop', 'SHUTOFF', None, "'stop' instance %s while it is in vm_state "
                              "stopped"),
    ('stop', 'BUILD', None, "'stop' instance %s while it is in vm_state "
                            "building"),
    ('stop', 'ACTIVE', 'powering-off', "'stop' instance %s while it is in "
                                       "task_state powering-off"),
    ('start', 'ACTIVE', None, "'start' instance %s while it is in vm_state "
                              "active"),
    ('start', 'ERROR', None, "'start' instance %s while it is in vm_state "
                             "error"),
    ('reboot', 'SHUTOFF', None, "'reboot' instance %s while it is in "
                                "vm_state stopped"),
    ('reboot', 'ACTIVE', 'rebooting', "'reboot' instance %s while it is in "
                                      "task_state rebooting"),
    ('reboot-hard', 'BUILD', None, "'reboot' instance %s while it is in "
                                   "vm_state building"),
    ('reboot-hard', 'ACTIVE', 'deleting', "'reboot' instance %s while it "
                                          "is in task_state deleting"),
])
def test_refused_in_novas_words(database, project_a, action, status, task,
                                words):
    instance = _instance(project_a, status, task)
    with pytest.raises(exception.InstanceActionConflict) as refused:
        instance_obj.begin_action(project_a, instance, action)
    assert str(refused.value) == 'Cannot ' + words % instance['uuid']
    assert refused.value.code == 409
    row = instance_obj.get(project_a, instance['uuid'])
    assert (row['status'], row['task_state']) == (status, task)


def test_an_instance_without_host_is_not_ready(database, project_a):
    instance = _instance(project_a, 'ERROR', host=None)
    with pytest.raises(exception.InstanceNotReady) as refused:
        instance_obj.begin_action(project_a, instance, 'reboot-hard')
    assert str(refused.value) == 'Instance %s is not ready' % (
        instance['uuid'])


def test_a_claim_taken_meanwhile_is_refused(database, project_a):
    """Two requests read the instance idle; only the first claims it."""
    instance = _instance(project_a, 'ACTIVE')
    instance_obj.begin_action(project_a, instance, 'stop')
    with pytest.raises(exception.InstanceActionConflict) as refused:
        instance_obj.begin_action(project_a, instance, 'reboot')
    assert 'task_state powering-off' in str(refused.value)
