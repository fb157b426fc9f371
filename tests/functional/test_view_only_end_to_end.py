"""View-only consoles end to end: real QEMU guests, the real proxy.

``consolehub-all`` boots the default image (``tools/build-default-image
.sh``), whose VGA console tty1 and serial port ttyS0 each run a root
shell; ttyS0's output is logged and read back by the console output API.
A command typed into tty1 through a console session writes a fresh word
to ttyS0: through a full session it shows in the console output, through
a view-only session it never does. Two viewers see the same screen, and
a view-only serial session sees the guest's output but types nothing.
"""

import os
import secrets
import urllib.parse

import pytest

from tests.functional import guest_shell
from tests.functional import guest_deployment
from tests.functional import rfb
from tests.functional import servers

pytestmark = pytest.mark.skipif(
    not os.path.exists(servers.QEMU_BINARY),
    reason='QEMU (%s) is not installed' % servers.QEMU_BINARY)


@pytest.fixture(scope='module')
def deployment(tmp_path_factory):
    with guest_deployment.default_image_deployment(
            tmp_path_factory, 'view-only', 2) as deployment:
        yield deployment


@pytest.fixture(scope='module')
def admin(deployment):
    return servers.ApiClient(deployment.api_url, deployment.create_token(
        'demo', 'root', roles=['admin']))


def _console(api, instance_id, protocol, kind, view_only):
    response = api.request(
        'POST', '/instances/%s/remote-consoles' % instance_id,
        json={'remote_console': {'protocol': protocol, 'type': kind,
                                 'view_only': view_only}})
    assert response.status_code == 200, response.text
    assert response.json()['remote_console']['view_only'] is view_only
    return response.json()['remote_console']['url']


def _vnc(deployment, api, instance_id, view_only, shared=False):
    url = _console(api, instance_id, 'vnc', 'novnc', view_only)
    return rfb.RfbClient(deployment.console_ws_url(servers.novnc_token(url)),
                         shared=shared)


@pytest.fixture(scope='module')
def guest(deployment, api):
    """An ACTIVE default-image guest whose serial shell has started."""
    instance_id = guest_deployment.boot_to_shell(api, 'watched')['id']
    yield instance_id
    api.request('DELETE', '/instances/' + instance_id)


def _type_until_printed(client, api, instance_id, word):
    """Type ``echo WORD > /dev/ttyS0`` into tty1 through ``client`` (a
    full session) until the word shows in the console output."""

    def type_through_session(text):
        # Ctrl-U drops what an earlier attempt left on the line.
        client.press(ord('u'), rfb.KEYSYM_CONTROL)
        client.type_text(text)

    guest_deployment.type_until_printed(api, instance_id, word,
                                        type_through_session)


def test_a_viewer_types_nothing_while_a_full_session_does(
        deployment, api, admin, guest):
    with _vnc(deployment, api, guest, view_only=False) as typist:
        assert 'instance-%s' % guest in typist.name
        # tty1's shell is up once a typed command runs.
        _type_until_printed(typist, api, guest,
                            'ready-' + secrets.token_hex(4))
        with _vnc(deployment, api, guest, view_only=True) as viewer:
            assert 'instance-%s' % guest in viewer.name
            watched = 'watched-' + secrets.token_hex(6)
            viewer.pointer(10, 10, buttons=1)
            viewer.pointer(10, 10, buttons=0)
            viewer.press(ord('u'), rfb.KEYSYM_CONTROL)
            viewer.type_text('echo %s > /dev/ttyS0\n' % watched)
            # Still a live session: the guest answers its update request.
            assert viewer.screen() != bytes(len(viewer.pixels))
            # The typist's command comes after the viewer's: once its
            # word is printed, the viewer's would have been too.
            typed = 'typed-' + secrets.token_hex(6)
            _type_until_printed(typist, api, guest, typed)
            output = guest_deployment.console_output(api, guest)
            assert not guest_deployment.printed_line(watched).search(
                output), output[-1000:]
            assert watched not in output

    sessions = admin.request(
        'GET', '/instances/%s/console-sessions' % guest).json()[
        'console_sessions']
    kinds = {(session['user_id'], session['view_only'])
             for session in sessions}
    assert kinds == {('alice', False), ('alice', True)}, sessions


def test_two_viewers_see_the_same_screen(deployment, api, guest):
    # Both ask for an exclusive session: the proxy makes each shared, so
    # neither drops the other.
    with _vnc(deployment, api, guest, view_only=True) as first, \
            _vnc(deployment, api, guest, view_only=True) as second:
        assert (first.width, first.height) == (second.width, second.height)
        # The text cursor blinks: a few tries find two screens between
        # two blinks.
        for _attempt in range(20):
            first.request_update(incremental=False)
            second.request_update(incremental=False)
            first.read_update()
            second.read_update()
            if first.pixels == second.pixels:
                break
        assert first.pixels == second.pixels
        # A text screen, not one colour.
        colours = {bytes(first.pixels[offset:offset + 3])
                   for offset in range(0, len(first.pixels), 4 * 97)}
        assert len(colours) > 1


def test_a_view_only_serial_session_sees_output_and_types_nothing(
        deployment, api, guest):
    url = _console(api, guest, 'serial', 'serial', view_only=True)
    assert urllib.parse.urlsplit(url).scheme == 'ws'
    watched = 'serial-watched-' + secrets.token_hex(6)
    shown = 'serial-shown-' + secrets.token_hex(6)
    with guest_shell.SerialShell(url) as viewer:
        viewer.websocket.send(('echo %s\r' % watched).encode())
        viewer.websocket.send('echo %s\r' % watched)
        # The guest's output reaches the viewer: a command typed on tty1
        # through a full VNC session writes to the serial port.
        with _vnc(deployment, api, guest, view_only=False) as typist:
            _type_until_printed(typist, api, guest, shown)
        viewer.read_until(shown, 30)
    # A full serial session after it: its command runs, the viewer's
    # never did (the shell echoes what it is sent, so even a line never
    # run would show).
    with guest_shell.SerialShell(
            _console(api, guest, 'serial', 'serial', False)) as shell:
        typed = 'serial-typed-' + secrets.token_hex(6)
        shell.echo(typed)
    output = guest_deployment.console_output(api, guest)
    assert typed in output
    assert watched not in output, output[-1000:]
