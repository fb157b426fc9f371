"""An agent that starts leaves no instance in a task: each ends ACTIVE,
SHUTOFF, ERROR or deleted (compute/recovery.py), on libvirt's test
driver, whose state the set-up connection shares with the agent's."""

import time

import pytest

from consolehub.compute import manager as compute_manager
from consolehub.compute import recovery
from consolehub.conf import CONF
from consolehub import exception
from consolehub.objects import instance as instance_obj
from consolehub.virt import power_state
from tests import lifecycle_drivers

TIMEOUT = 20
ORPHAN = '00000000-0000-4000-8000-0000000000d1'


@pytest.fixture
def setup_driver(database, conf_fixture):
    """A connection to set guests up with, apart from the agent's."""
    conf_fixture.config(connection_uri='test:///default', group='libvirt')
    # One instance per case, in one project: more than the default quota.
    conf_fixture.config(instances=-1, group='quota')
    driver = lifecycle_drivers.FaultDriver()
    driver.init_host('host-1')
    yield driver
    lifecycle_drivers.write_faults(CONF.state_path, {})
    for uuid in driver.list_instance_uuids():
        driver.destroy({'uuid': uuid})
    driver.cleanup_host()


def _instance(context, driver, status, task, guest):
    """An instance of host-1 in ``status``/``task`` whose guest is
    ``running``, ``stopped`` or None (no guest)."""
    instance = instance_obj.create(context, '%s-%s' % (status, task), 64, 1,
                                   'host-1')
    if guest is not None:
        driver.spawn(instance)
        if guest == 'stopped':
            driver.power_off(instance)
    return instance_obj.update(context, instance['uuid'], {
        'status': status, 'task_state': task})


def _start_agent(admin):
    manager = compute_manager.ComputeManager(
        'host-1', lifecycle_drivers.FaultDriver())
    manager.init_host(admin)
    return manager


CASES = [
    # status, task state, guest -> status after, guest running after
    ('ACTIVE', 'deleting', 'running', None, False),
    ('BUILD', 'spawning', 'running', 'ERROR', False),
    ('BUILD', None, None, 'ACTIVE', True),
    ('ACTIVE', 'powering-off', 'running', 'SHUTOFF', False),
    ('SHUTOFF', 'powering-on', 'stopped', 'ACTIVE', True),
    ('ACTIVE', 'reboot_started', 'running', 'ACTIVE', True),
    ('ACTIVE', 'reboot_pending', 'running', 'ACTIVE', True),
    ('ACTIVE', 'rebooting_hard', 'stopped', 'ACTIVE', True),
    ('ACTIVE', 'reboot_started_hard', None, 'ACTIVE', True),
    ('ACTIVE', None, None, 'SHUTOFF', False),
    ('ACTIVE', None, 'stopped', 'SHUTOFF', False),
    ('SHUTOFF', None, 'running', 'ACTIVE', True),
    ('ERROR', None, None, 'ERROR', False),
    ('ACTIVE', 'migrating', 'running', 'ACTIVE', True),
]


def test_every_instance_leaves_its_task(setup_driver, project_a, admin):
    instances = [(_instance(project_a, setup_driver, status, task, guest),
                  after, running)
                 for status, task, guest, after, running in CASES]
    # A guest whose instance was deleted while the agent was away.
    setup_driver.spawn({'uuid': ORPHAN, 'name': 'orphan', 'memory_mb': 64,
                        'vcpus': 1})

    manager = _start_agent(admin)
    try:
        assert not setup_driver.instance_exists({'uuid': ORPHAN})
        deadline = time.monotonic() + TIMEOUT
        for instance, after, running in instances:
            uuid = instance['uuid']
            if after is None:
                with pytest.raises(exception.InstanceNotFound):
                    instance_obj.get(admin, uuid)
                assert not setup_driver.instance_exists(instance)
                continue
            while True:  # the pending build runs on a thread
                row = instance_obj.get(admin, uuid)
                if row['status'] == after or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            assert (row['status'], row['task_state']) == (after, None), (
                instance['status'], instance['task_state'], row)
            assert (setup_driver.get_power_state(instance) ==
                    power_state.RUNNING) is running, row
            if row['status'] == 'ERROR' and instance['status'] == 'BUILD':
                assert row['fault'] == recovery.INTERRUPTED_BUILD
                assert not setup_driver.instance_exists(instance)
    finally:
        manager.cleanup_host()


def test_a_recovery_step_that_fails_is_error_with_fault(
        setup_driver, project_a, admin):
    instance = _instance(project_a, setup_driver, 'SHUTOFF', 'powering-on',
                         'stopped')
    lifecycle_drivers.write_faults(CONF.state_path, {'power_on': 'raise'})
    manager = _start_agent(admin)
    try:
        row = instance_obj.get(admin, instance['uuid'])
        assert (row['status'], row['task_state']) == ('ERROR', None)
        assert row['fault'] == 'RuntimeError: injected fault at power_on'
    finally:
        manager.cleanup_host()


def test_a_live_instance_of_another_host_keeps_its_guest(setup_driver,
                                                         project_a, admin):
    """Two agents may share a hypervisor: only guests of no live
    instance at all are reaped."""
    other = instance_obj.create(project_a, 'elsewhere', 64, 1, 'host-2')
    setup_driver.spawn(other)
    manager = _start_agent(admin)
    try:
        assert setup_driver.instance_exists(other)
    finally:
        manager.cleanup_host()
