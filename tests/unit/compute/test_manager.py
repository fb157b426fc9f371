"""The compute manager with the libvirt driver on ``test:///default``."""

import oslo_messaging as messaging
import pytest

from consolehub.compute import manager as compute_manager
from consolehub.db import console_sessions as db_sessions
from consolehub.db import console_auth_tokens as db_tokens
from consolehub.objects import instance as instance_obj
from consolehub import exception
from consolehub.virt.libvirt import driver as libvirt_driver


def _terminate(manager, context, instance_uuid):
    """A delete as the API asks for it: task first, then the call."""
    instance_obj.update(context, instance_uuid, {'task_state': 'deleting'})
    manager.terminate_instance(context, instance_uuid)


@pytest.fixture
def manager(database, conf_fixture, admin):
    conf_fixture.config(connection_uri='test:///default', group='libvirt')
    compute = compute_manager.ComputeManager(
        'host-1', libvirt_driver.LibvirtDriver())
    compute.init_host(admin)
    yield compute
    compute.cleanup_host()


def test_build_makes_the_instance_active_with_a_guest(manager, project_a):
    instance = instance_obj.create(project_a, 'vm', 64, 1, 'host-1')
    manager.build_instance(project_a, instance['uuid'])
    assert instance_obj.get(project_a,
                            instance['uuid'])['status'] == 'ACTIVE'
    assert manager.driver.instance_exists(instance)
    _terminate(manager, project_a, instance['uuid'])


def test_failed_build_is_error_with_fault_and_no_guest(manager, project_a):
    # libvirt refuses a guest with negative memory when defining it.
    instance = instance_obj.create(project_a, 'vm', -5, 1, 'host-1')
    manager.build_instance(project_a, instance['uuid'])
    failed = instance_obj.get(project_a, instance['uuid'])
    assert failed['status'] == 'ERROR'
    assert 'hypervisor failed' in failed['fault']
    assert not manager.driver.instance_exists(instance)


def test_build_after_delete_starts_nothing(manager, project_a):
    instance = instance_obj.create(project_a, 'vm', 64, 1, 'host-1')
    instance_obj.destroy(project_a, instance['uuid'])
    manager.build_instance(project_a, instance['uuid'])
    assert not manager.driver.instance_exists(instance)


def test_terminate_removes_guest_row_and_tokens(manager, project_a, admin):
    instance = instance_obj.create(project_a, 'vm', 64, 1, 'host-1')
    manager.build_instance(project_a, instance['uuid'])
    db_tokens.console_auth_token_create(project_a, 'd' * 64, 'novnc',
                                        '127.0.0.1', 5900, None,
                                        instance['uuid'], 600)
    _terminate(manager, project_a, instance['uuid'])
    assert not manager.driver.instance_exists(instance)
    with pytest.raises(exception.InstanceNotFound):
        instance_obj.get(admin, instance['uuid'])
    with pytest.raises(exception.InvalidToken):
        db_tokens.console_auth_token_get_valid(admin, 'd' * 64)


def test_console_on_the_test_driver_is_unavailable(manager, project_a):
    instance = instance_obj.create(project_a, 'vm', 64, 1, 'host-1')
    manager.build_instance(project_a, instance['uuid'])
    try:
        with pytest.raises(messaging.ExpectedException) as raised:
            manager.get_vnc_console(project_a, instance['uuid'])
        # The RPC server unwraps this and sends the original to the caller.
        assert raised.value.exc_info[0] is exception.ConsoleTypeUnavailable
    finally:
        _terminate(manager, project_a, instance['uuid'])


def test_init_host_marks_vanished_guests_shutoff(database, conf_fixture,
                                                 project_a, admin):
    conf_fixture.config(connection_uri='test:///default', group='libvirt')
    instance = instance_obj.create(project_a, 'vm', 64, 1, 'host-1')
    instance_obj.update(project_a, instance['uuid'], {'status': 'ACTIVE'})
    compute = compute_manager.ComputeManager(
        'host-1', libvirt_driver.LibvirtDriver())
    compute.init_host(admin)
    compute.cleanup_host()
    assert instance_obj.get(admin, instance['uuid'])['status'] == 'SHUTOFF'


class _EndpointDriver(object):
    """A driver whose every console is at 192.0.2.10:5901."""

    def __init__(self):
        from consolehub.virt import driver as virt_driver
        self.endpoint = virt_driver.ConsoleEndpoint('192.0.2.10', 5901, None)

    def get_vnc_console(self, instance):
        return self.endpoint

    get_spice_console = get_serial_console = get_vnc_console


def _token_row(admin, access_url):
    import urllib.parse

    from consolehub.objects import console_auth_token
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(access_url).query)
    if 'path' in query:
        query = urllib.parse.parse_qs(
            urllib.parse.urlsplit(query['path'][0]).query)
    return db_sessions.console_session_redeem(
        console_auth_token.hash_token(query['token'][0]), 'serial', None,
        False, 0)[1]


def test_get_console_through_a_relay(database, conf_fixture, project_a,
                                     admin):
    compute = compute_manager.ComputeManager('host-1', _EndpointDriver())
    instance = instance_obj.create(project_a, 'vm', 64, 1, 'host-1')
    conf_fixture.config(compute_relay='relay.example.org:8443',
                        group='console')
    url = compute.get_console(project_a, instance['uuid'], 'serial',
                              'serial')['access_url']
    assert url.startswith('ws://127.0.0.1:6083/?token=')
    token = _token_row(admin, url)
    assert (token['host'], token['port']) == ('relay.example.org', 8443)
    assert token['internal_access_path'] == '192.0.2.10:5901'


def test_get_console_of_an_unserved_pair(database, project_a):
    compute = compute_manager.ComputeManager('host-1', _EndpointDriver())
    instance = instance_obj.create(project_a, 'vm', 64, 1, 'host-1')
    with pytest.raises(messaging.ExpectedException) as raised:
        compute.get_console(project_a, instance['uuid'], 'rdp', 'rdp-html5')
    assert raised.value.exc_info[0] is exception.ConsoleTypeUnavailable


def test_get_console_view_only_and_recorded(database, project_a, admin):
    compute = compute_manager.ComputeManager('host-1', _EndpointDriver())
    instance = instance_obj.create(project_a, 'vm', 64, 1, 'host-1')
    url = compute.get_console(project_a, instance['uuid'], 'serial',
                              'serial', view_only=True,
                              record=True)['access_url']
    token = _token_row(admin, url)
    assert (token['view_only'], token['record']) == (True, True)
    assert token['user_id'] == project_a.user_id


@pytest.mark.parametrize('view_only, record, version', [
    (False, False, '1.1'), (True, False, '1.6'), (False, True, '1.7'),
    (True, True, '1.7')])
def test_get_console_asks_the_lowest_version_that_carries_it(
        view_only, record, version):
    from consolehub.compute import rpcapi

    calls = []

    class _Captured(rpcapi.ComputeAPI):
        def __init__(self):
            pass

        def _call(self, ctxt, instance, method, version=None, **kwargs):
            calls.append((method, version, kwargs))
            return {'access_url': 'ws://example'}

    _Captured().get_console(None, {'uuid': 'u', 'host': 'h'}, 'vnc',
                            'novnc', view_only=view_only, record=record)
    expected = {'protocol': 'vnc', 'console_type': 'novnc'}
    if view_only:
        expected['view_only'] = True
    if record:
        expected['record'] = True
    assert calls == [('get_console', version, expected)]
