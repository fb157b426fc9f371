"""A guest's serial console shared by many sessions, end to end.

``consolehub-all`` boots the default image on real QEMU; its serial port
carries a root shell. The compute agent's serial hub is the one client
of that port; every serial console session goes through the real proxy
to the hub: one writer, three view-only viewers, and a full session that
takes over. What the writer types runs and every viewer sees it; what a
viewer types, or the writer after a take-over, never reaches the guest;
the console log still records everything the guest printed.
"""

import os
import re
import secrets

import pytest

from tests.functional import guest_shell
from tests.functional import guest_deployment
from tests.functional import servers
from tests import waiting

pytestmark = pytest.mark.skipif(
    not os.path.exists(servers.QEMU_BINARY),
    reason='QEMU (%s) is not installed' % servers.QEMU_BINARY)

#: Seconds for a command's output to reach every session.
OUTPUT_TIMEOUT = 30


@pytest.fixture(scope='module')
def deployment(tmp_path_factory):
    # The hubs' ports: the block after the guests' own.
    low = 25000 + os.getpid() % 15000 + 4 * (guest_deployment.PORT_BLOCK + 1)
    hub_ports = '%d:%d' % (low, low + guest_deployment.PORT_BLOCK)
    with guest_deployment.default_image_deployment(
            tmp_path_factory, 'serial-hub', 3,
            {'hub_port_range': hub_ports}) as deployment:
        yield deployment


def _console_url(api, server_id, view_only=False, take_over=False):
    response = api.request(
        'POST', '/servers/%s/remote-consoles' % server_id,
        json={'remote_console': {'protocol': 'serial', 'type': 'serial',
                                 'view_only': view_only,
                                 'take_over': take_over}})
    assert response.status_code == 200, response.text
    return response.json()['remote_console']['url']


def _action(api, instance_id, body):
    response = api.request('POST', '/instances/%s/action' % instance_id,
                           json=body)
    assert response.status_code == 202, response.text


def _ran(word):
    """The output line of ``echo WORD``: the word alone on a line."""
    return r'(?m)^%s\r?$' % re.escape(word)


def test_one_writer_many_viewers_and_a_take_over(api):
    instance = api.create_instance('hub', memory_mb=128)
    instance_id = instance['id']
    api.wait_for_status(instance_id, 'ACTIVE', 120)

    writer = guest_shell.SerialShell(_console_url(api, instance_id))
    viewers = []
    try:
        writer.read_until(r'\[serial console: writer - ', OUTPUT_TIMEOUT)
        writer.prompt(guest_deployment.BOOT_TIMEOUT)
        viewers = [guest_shell.SerialShell(
            _console_url(api, instance_id, view_only=True))
            for _ in range(3)]
        for viewer in viewers:
            viewer.read_until(r'\[serial console: viewer - view only\]',
                              OUTPUT_TIMEOUT)

        # The writer's command runs; every viewer sees its output.
        marker = 'hub-' + secrets.token_hex(6)
        writer.echo(marker, guest_deployment.BOOT_TIMEOUT)
        for viewer in viewers:
            viewer.read_until(_ran(marker), OUTPUT_TIMEOUT)

        # A viewer's input is dropped by the hub: the guest never sees it.
        typed = 'viewer-' + secrets.token_hex(6)
        viewers[0].websocket.send(('echo %s\r' % typed).encode())
        fence = 'fence-' + secrets.token_hex(6)
        writer.echo(fence, OUTPUT_TIMEOUT)
        viewers[0].read_until(_ran(fence), OUTPUT_TIMEOUT)

        # A full session that asks takes over; the writer becomes a
        # viewer and is told so.
        newcomer = guest_shell.SerialShell(
            _console_url(api, instance_id, take_over=True))
        viewers.append(newcomer)
        newcomer.read_until(r'\[serial console: writer - ', OUTPUT_TIMEOUT)
        writer.read_until(r'\[serial console: viewer - session \d+ took '
                          r'over', OUTPUT_TIMEOUT)
        ignored = 'old-writer-' + secrets.token_hex(6)
        writer.websocket.send(('echo %s\r' % ignored).encode())
        taken = 'taken-' + secrets.token_hex(6)
        newcomer.echo(taken, OUTPUT_TIMEOUT)
        for session in [writer] + viewers[:3]:
            session.read_until(_ran(taken), OUTPUT_TIMEOUT)

        # The console log has what ran, and nothing of what was dropped.
        log = waiting.wait_for(
            lambda: (lambda text: re.search(_ran(taken), text) and text)(
                guest_deployment.console_output(api, instance_id)),
            OUTPUT_TIMEOUT, interval=0.5, message='the console log')
        assert re.search(_ran(marker), log)
        assert re.search(_ran(fence), log)
        for dropped in (typed, ignored):
            assert dropped not in log
            for session in [writer] + viewers:
                assert dropped not in session.text()

        # The guest stops: its hub ends every session with a notice.
        _action(api, instance_id, {'os-stop': None})
        for session in [writer] + viewers:
            session.read_until(r'\[serial console: ended - ', OUTPUT_TIMEOUT)
        api.wait_for_status(instance_id, 'SHUTOFF', 120)
    finally:
        for session in [writer] + viewers:
            session.close()

    # Started again, the guest has a new hub.
    _action(api, instance_id, {'os-start': None})
    api.wait_for_status(instance_id, 'ACTIVE', 120)
    with guest_shell.SerialShell(_console_url(api, instance_id)) as again:
        again.read_until(r'\[serial console: writer - ', OUTPUT_TIMEOUT)
        again.prompt(guest_deployment.BOOT_TIMEOUT)
        response = api.request('DELETE', '/instances/' + instance_id)
        assert response.status_code == 204, response.text
        again.read_until(r'\[serial console: ended - ', OUTPUT_TIMEOUT)
