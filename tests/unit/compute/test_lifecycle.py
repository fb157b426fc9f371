"""The compute manager's power actions, faults and power state sync, on
libvirt's test driver (its guests obey the ACPI power button at once)
through :class:`tests.lifecycle_drivers.FaultDriver`."""

import datetime
import logging
import os
import time

import oslo_messaging as messaging
from oslo_utils import timeutils
import pytest

from consolehub.compute import console_output
from consolehub.compute import locks
from consolehub.compute import manager as compute_manager
from consolehub.conf import CONF
from consolehub import exception
from consolehub.objects import console_auth_token
from consolehub.objects import instance as instance_obj
from consolehub.virt.libvirt import console_log
from consolehub.virt import power_state
from tests import lifecycle_drivers

NOVNC = ('vnc', 'novnc')
TIMEOUT = 20


@pytest.fixture
def manager(database, conf_fixture, admin):
    conf_fixture.config(connection_uri='test:///default', group='libvirt')
    compute = compute_manager.ComputeManager(
        'host-1', lifecycle_drivers.FaultDriver())
    compute.init_host(admin)
    yield compute
    lifecycle_drivers.write_faults(CONF.state_path, {})
    for uuid in compute.driver.list_instance_uuids():
        compute.driver.destroy({'uuid': uuid})
    compute.cleanup_host()


def _faults(faults):
    lifecycle_drivers.write_faults(CONF.state_path, faults)


def _wait(admin, uuid, predicate, what, timeout=TIMEOUT):
    """Poll the instance until ``predicate(row)``; returns the row."""
    deadline = time.monotonic() + timeout
    while True:
        row = instance_obj.get(admin, uuid)
        if predicate(row):
            return row
        assert time.monotonic() < deadline, '%s: %s' % (what, row)
        time.sleep(0.05)


def _idle(admin, uuid, status):
    return _wait(admin, uuid, lambda row: row['task_state'] is None and
                 row['status'] == status, 'idle in %s' % status)


def _active(manager, project, name='vm'):
    instance = instance_obj.create(project, name, 64, 1, 'host-1')
    manager.build_instance(project, instance['uuid'])
    return instance_obj.get(project, instance['uuid'])


def _act(manager, context, instance, action, **kwargs):
    """What compute.api does: claim, then hand to the agent."""
    name = {'stop': 'stop', 'start': 'start', 'reboot': 'reboot',
            'reboot-hard': 'reboot'}[action]
    claimed = instance_obj.begin_action(context, instance, action)
    method = getattr(manager, '%s_instance' % name)
    method(context, instance['uuid'], **kwargs)
    return claimed


def _token(admin, uuid):
    raw_token, _row = console_auth_token.mint(admin, NOVNC, '127.0.0.1',
                                              5900, uuid)
    return raw_token


def test_stop_start_and_reboots(manager, project_a, admin):
    instance = _active(manager, project_a)
    assert instance['power_state'] == power_state.RUNNING
    raw_token = _token(admin, instance['uuid'])

    claimed = _act(manager, project_a, instance, 'stop')
    assert claimed['task_state'] == 'powering-off'
    stopped = _idle(admin, instance['uuid'], 'SHUTOFF')
    assert stopped['power_state'] == power_state.SHUTDOWN
    assert manager.driver.get_power_state(instance) == power_state.SHUTDOWN
    # The guest's console ports are gone, and so are its tokens.
    with pytest.raises(exception.InvalidToken):
        console_auth_token.validate(admin, raw_token)

    _act(manager, project_a, stopped, 'start')
    started = _idle(admin, instance['uuid'], 'ACTIVE')
    assert started['power_state'] == power_state.RUNNING

    _act(manager, project_a, started, 'reboot', reboot_type='SOFT')
    rebooted = _idle(admin, instance['uuid'], 'ACTIVE')
    assert manager.driver.get_power_state(instance) == power_state.RUNNING

    _act(manager, project_a, rebooted, 'reboot-hard', reboot_type='HARD')
    _idle(admin, instance['uuid'], 'ACTIVE')
    assert manager.driver.get_power_state(instance) == power_state.RUNNING


def test_a_guest_deaf_to_acpi_is_reset_after_reboot_timeout(
        manager, project_a, admin, conf_fixture, caplog):
    caplog.set_level(logging.INFO, logger='consolehub.compute.manager')
    conf_fixture.config(reboot_timeout=1)
    instance = _active(manager, project_a)
    _faults({'shutdown': 'ignore'})
    started = time.monotonic()
    _act(manager, project_a, instance, 'reboot', reboot_type='SOFT')
    _idle(admin, instance['uuid'], 'ACTIVE')
    assert time.monotonic() - started >= 1
    assert ('Instance %s did not power off within 1 s; resetting it'
            % instance['uuid']) in caplog.messages
    assert manager.driver.get_power_state(instance) == power_state.RUNNING


def test_a_hard_reboot_cuts_a_waiting_soft_reboot_short(
        manager, project_a, admin, conf_fixture):
    conf_fixture.config(reboot_timeout=600)
    instance = _active(manager, project_a)
    _faults({'shutdown': 'ignore'})
    started = time.monotonic()
    _act(manager, project_a, instance, 'reboot', reboot_type='SOFT')
    _wait(admin, instance['uuid'],
          lambda row: row['task_state'] == 'reboot_started', 'soft started')
    rebooting = instance_obj.get(admin, instance['uuid'])
    _act(manager, project_a, rebooting, 'reboot-hard', reboot_type='HARD')
    _idle(admin, instance['uuid'], 'ACTIVE')
    assert time.monotonic() - started < TIMEOUT


def test_a_stop_deaf_to_acpi_powers_off_after_shutdown_timeout(
        manager, project_a, admin, conf_fixture):
    conf_fixture.config(shutdown_timeout=1)
    instance = _active(manager, project_a)
    _faults({'shutdown': 'ignore'})
    _act(manager, project_a, instance, 'stop')
    _idle(admin, instance['uuid'], 'SHUTOFF')
    assert manager.driver.get_power_state(instance) == power_state.SHUTDOWN


@pytest.mark.parametrize('step', ['before-define', 'start', 'after-start'])
@pytest.mark.parametrize('error', ['raise', 'raise:HypervisorError'])
def test_a_build_failing_at_any_step_is_error_and_leaves_nothing(
        manager, project_a, admin, step, error):
    _faults({step: error})
    instance = instance_obj.create(project_a, 'vm', 64, 1, 'host-1')
    manager.build_instance(project_a, instance['uuid'])
    failed = instance_obj.get(admin, instance['uuid'])
    assert (failed['status'], failed['task_state']) == ('ERROR', None)
    assert 'injected fault at %s' % step in failed['fault']
    if error == 'raise':
        assert failed['fault'].startswith('RuntimeError: ')
    assert not manager.driver.instance_exists(instance)
    assert not os.path.exists(console_log.path(instance['uuid']))


def test_an_exhausted_port_range_is_error_with_fault(manager, project_a,
                                                     admin, conf_fixture):
    import socket
    conf_fixture.config(enabled=True, group='serial_console')
    listener = socket.create_server(('127.0.0.1', 0))
    taken = listener.getsockname()[1]
    conf_fixture.config(port_range='%d:%d' % (taken, taken),
                        group='serial_console')
    try:
        instance = instance_obj.create(project_a, 'vm', 64, 1, 'host-1')
        manager.build_instance(project_a, instance['uuid'])
    finally:
        listener.close()
    failed = instance_obj.get(admin, instance['uuid'])
    assert failed['status'] == 'ERROR'
    assert failed['fault'] == ('No free TCP port is left in %d:%d on this '
                               'host.' % (taken, taken))
    assert not manager.driver.instance_exists(instance)


def test_a_failed_delete_resets_the_task_and_reports(manager, project_a,
                                                     admin):
    instance = _active(manager, project_a)
    instance_obj.update(admin, instance['uuid'], {'task_state': 'deleting'})
    _faults({'destroy': 'raise'})
    with pytest.raises(messaging.ExpectedException) as failed:
        manager.terminate_instance(project_a, instance['uuid'])
    # The RPC server sends the original to the caller.
    error = failed.value.exc_info[1]
    assert isinstance(error, exception.InstanceDeleteFailed)
    assert 'RuntimeError: injected fault at destroy' in str(error)
    row = instance_obj.get(admin, instance['uuid'])
    assert (row['status'], row['task_state']) == ('ERROR', None)
    assert row['fault'] == ('Delete failed: RuntimeError: injected fault '
                            'at destroy')
    _faults({})
    # A late delete, which the API gave up on, is ignored.
    manager.terminate_instance(project_a, instance['uuid'])
    assert manager.driver.instance_exists(instance)
    instance_obj.update(admin, instance['uuid'], {'task_state': 'deleting'})
    manager.terminate_instance(project_a, instance['uuid'])
    with pytest.raises(exception.InstanceNotFound):
        instance_obj.get(admin, instance['uuid'])
    assert not manager.driver.instance_exists(instance)


def test_a_failed_start_is_error_and_a_hard_reboot_recovers_it(
        manager, project_a, admin):
    instance = _active(manager, project_a)
    _act(manager, project_a, instance, 'stop')
    stopped = _idle(admin, instance['uuid'], 'SHUTOFF')
    _faults({'power_on': 'raise'})
    _act(manager, project_a, stopped, 'start')
    failed = _idle(admin, instance['uuid'], 'ERROR')
    assert failed['fault'] == 'RuntimeError: injected fault at power_on'
    _faults({})
    _act(manager, project_a, failed, 'reboot-hard', reboot_type='HARD')
    _idle(admin, instance['uuid'], 'ACTIVE')
    assert manager.driver.get_power_state(instance) == power_state.RUNNING


def test_a_guest_that_stops_by_itself_makes_the_instance_shutoff(
        manager, project_a, admin):
    instance = _active(manager, project_a)
    raw_token = _token(admin, instance['uuid'])
    # The guest powers itself off, as "poweroff" in its shell would.
    manager.driver._lookup(instance).destroy()
    stopped = _wait(admin, instance['uuid'],
                    lambda row: row['status'] == 'SHUTOFF', 'SHUTOFF')
    assert stopped['power_state'] == power_state.SHUTDOWN
    with pytest.raises(exception.InvalidToken):
        console_auth_token.validate(admin, raw_token)
    # Started outside consolehub, it is ACTIVE again.
    manager.driver._lookup(instance).create()
    _wait(admin, instance['uuid'], lambda row: row['status'] == 'ACTIVE',
          'ACTIVE again')


def test_a_shutoff_instance_never_keeps_a_valid_token(
        manager, project_a, admin, monkeypatch):
    # Were the tokens dropped after the status, in their own transaction,
    # a reader could see SHUTOFF with a valid token (and would for good
    # if that transaction failed).
    def fail(*_args):
        raise RuntimeError('tokens dropped on their own')
    monkeypatch.setattr(console_auth_token.db_tokens,
                        'console_auth_token_destroy_for_instance', fail)
    instance = _active(manager, project_a)
    raw_token = _token(admin, instance['uuid'])
    manager.driver._lookup(instance).destroy()
    _wait(admin, instance['uuid'], lambda row: row['status'] == 'SHUTOFF',
          'SHUTOFF')
    with pytest.raises(exception.InvalidToken):
        console_auth_token.validate(admin, raw_token)


def test_an_event_during_a_task_is_handled_when_the_task_ends(
        manager, project_a, admin, caplog):
    caplog.set_level(logging.DEBUG, logger='consolehub.compute.power_sync')
    instance = _active(manager, project_a)
    marker = '00000000-0000-4000-8000-0000000000e1'
    with locks.instance_lock(instance['uuid']):
        # The guest stops as a task (holding the lock) ends.
        manager.driver._lookup(instance).destroy()
        _wait_for_log(caplog, 'Guest of instance %s stopped'
                      % instance['uuid'])
        # Events are handled in order: once this one is, the sync of the
        # first has found the instance held.
        manager.power_sync.queue_event(marker, 'started')
        _wait_for_log(caplog, 'Guest of instance %s started' % marker)
        assert instance_obj.get(admin, instance['uuid'])['status'] == (
            'ACTIVE')
    stopped = _wait(admin, instance['uuid'],
                    lambda row: row['status'] == 'SHUTOFF', 'SHUTOFF')
    assert stopped['power_state'] == power_state.SHUTDOWN


def _wait_for_log(caplog, message, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while message not in caplog.messages:
        assert time.monotonic() < deadline, 'no log %r' % message
        time.sleep(0.05)


def test_the_periodic_sync_reaps_guests_and_fails_stale_builds(
        manager, project_a, admin, conf_fixture):
    # A guest whose instance was deleted while the host was down.
    orphan = {'uuid': '00000000-0000-4000-8000-0000000000c1', 'name': 'x',
              'memory_mb': 64, 'vcpus': 1}
    manager.driver.spawn(orphan)
    # A build whose message never came.
    stale = instance_obj.create(project_a, 'stale', 64, 1, 'host-1')
    conf_fixture.config(build_timeout=60, group='compute')
    instance_obj.update(admin, stale['uuid'], {
        'created_at': timeutils.utcnow() - datetime.timedelta(seconds=61)})
    manager.sync_power_states()
    assert not manager.driver.instance_exists(orphan)
    failed = instance_obj.get(admin, stale['uuid'])
    assert failed['status'] == 'ERROR'
    assert failed['fault'] == 'The build did not finish within 60 seconds.'
    # Its build message, coming late, builds nothing.
    manager.build_instance(project_a, stale['uuid'])
    assert not manager.driver.instance_exists(stale)


def test_console_output_is_text_with_invalid_utf8_replaced(manager,
                                                           project_a):
    instance = _active(manager, project_a)
    with open(console_log.path(instance['uuid']), 'wb') as log:
        log.write(b'one\r\ntwo \xff\xfe\nthree\n')
    assert manager.get_console_output(project_a, instance['uuid']) == (
        'one\r\ntwo \ufffd\ufffd\nthree\n')
    assert manager.get_console_output(project_a, instance['uuid'], 2) == (
        'two \ufffd\ufffd\nthree\n')


@pytest.mark.parametrize('text, count, tail', [
    ('a\nb\nc\n', 1, 'c\n'),
    ('a\nb\nc\n', 2, 'b\nc\n'),
    ('a\nb\nc', 1, 'c'),
    ('a\nb\nc\n', 9, 'a\nb\nc\n'),
    ('a\nb\nc\n', 0, ''),
    ('a\nb\nc\n', None, 'a\nb\nc\n'),
    ('', 3, ''),
])
def test_tail_lines(text, count, tail):
    assert console_output.tail_lines(text, count) == tail
