"""Recorded console sessions end to end on a real QEMU guest.

``consolehub-all`` boots the default image; an administrator asks for
recorded consoles (``"record": true``). A noVNC session in headless
Chromium watches tty1 while a word is typed there, and its recording,
downloaded through the sessions API, is replayed by the proxy's replay
page in another Chromium: the replayed screen must be the screen the
live session showed last. A serial session's recording replays as the
guest's text.
"""

import base64
import io
import os
import re
import secrets

import pytest
from websockets.sync import client as ws_client

from tests.functional import dashboard_browser
from tests.functional import guest_deployment
from tests.functional import servers
from tests import waiting

pytestmark = pytest.mark.skipif(
    not os.path.exists(servers.QEMU_BINARY),
    reason='QEMU (%s) is not installed' % servers.QEMU_BINARY)

#: Seconds a page or a session change may take.
UI_TIMEOUT = 60
#: Most pixels (share) of the replayed screen that may differ from the
#: live one: the text cursor blinks on tty1, in one character cell.
MAX_DIFFERENT = 0.005

#: The live noVNC canvas as a PNG data URL.
_CANVAS_PNG = """
const canvas = document.querySelector('#screen canvas');
return canvas ? canvas.toDataURL('image/png') : null;
"""

#: Hands the recording (base64) to the replay page, as the dashboard's
#: frame message does.
_POST_RECORDING = """
const bytes = Uint8Array.from(atob(arguments[0]), (c) => c.charCodeAt(0));
window.postMessage({recording: bytes.buffer, speed: arguments[1]}, '*');
"""


@pytest.fixture(scope='module')
def deployment(tmp_path_factory):
    with guest_deployment.default_image_deployment(
            tmp_path_factory, 'recording', 1) as deployment:
        yield deployment


@pytest.fixture(scope='module')
def admin(deployment):
    return servers.ApiClient(deployment.api_url, deployment.create_token(
        'ops', 'root', roles=['admin']))


@pytest.fixture(scope='module')
def booted(api):
    """An ACTIVE instance of project demo whose shells have started."""
    instance = guest_deployment.boot_to_shell(api, 'recorded')
    yield instance
    api.request('DELETE', '/instances/' + instance['id'])


def _recorded_console(admin, instance_id, protocol, console_type):
    response = admin.request(
        'POST', '/servers/%s/remote-consoles' % instance_id,
        json={'remote_console': {'protocol': protocol, 'type': console_type,
                                 'record': True}})
    assert response.status_code == 200, response.text
    return response.json()['remote_console']['url']


def _ended_recording(admin, instance_id, console_type):
    """The ended, recorded session of ``console_type`` and its file
    (other sessions of the instance are not recorded)."""
    found = {}

    def ended():
        sessions = admin.request(
            'GET', '/servers/%s/console-sessions' % instance_id).json()[
                'console_sessions']
        found['sessions'] = sessions
        return next((session for session in sessions
                     if session['console_type'] == console_type and
                     session['status'] == 'ended' and
                     session['recorded']), None)

    session = waiting.wait_for(ended, UI_TIMEOUT, message=lambda: (
        'an ended %s session among %r' % (console_type,
                                          found.get('sessions'))))
    assert session['recording_bytes'] > 0
    path = '/servers/%s/console-sessions/%s/recording' % (instance_id,
                                                          session['id'])
    response = admin.request('GET', path)
    assert response.status_code == 200, response.text
    assert response.headers['content-type'] == 'application/octet-stream'
    assert response.content.startswith(b'CONSREC1')
    assert len(response.content) == session['recording_bytes']
    return session, response.content


def _replay(driver, deployment, recording, speed):
    """Replay ``recording`` (bytes) on the proxy's replay page."""
    driver.get('http://127.0.0.1:%d/consolehub/replay.html'
               % deployment.proxy_port)
    waiting.wait_for(lambda: driver.execute_script(
        'return document.readyState') == 'complete', UI_TIMEOUT)
    driver.execute_script(_POST_RECORDING,
                          base64.b64encode(recording).decode('ascii'), speed)
    state = waiting.wait_for(
        lambda: driver.execute_script(
            'const s = document.body.dataset.state;'
            'return s === "done" || s === "error" ? s : null;'),
        UI_TIMEOUT, message=lambda: 'the replay to end; it says %r' % (
            driver.find_element('id', 'status').text,))
    assert state == 'done', driver.find_element('id', 'status').text


def _png_of(data_url):
    from PIL import Image
    return Image.open(io.BytesIO(base64.b64decode(
        data_url.split(',', 1)[1]))).convert('RGB')


def _different_share(first, second):
    from PIL import ImageChops
    assert first.size == second.size, (first.size, second.size)
    difference = ImageChops.difference(first, second).convert('L')
    changed = sum(difference.point(lambda v: 255 if v > 16 else 0)
                  .histogram()[255:])
    return changed / float(first.size[0] * first.size[1])


@servers.needs_chromium
def test_vnc_recording_replays_the_screen_the_session_showed(
        deployment, api, admin, booted, tmp_path):
    instance_id = booted['id']
    url = _recorded_console(admin, instance_id, 'vnc', 'novnc')
    driver = servers.chromium(tmp_path / 'live')
    try:
        driver.get(url)
        waiting.wait_for(
            lambda: driver.find_element('id', 'status').text.startswith(
                'Connected'), UI_TIMEOUT, message='noVNC connected')
        word = 'shown-' + secrets.token_hex(4)
        response = api.request(
            'POST', '/instances/%s/action' % instance_id,
            json={'type-text': {'text': 'echo %s\n' % word, 'layout': 'us'}})
        assert response.status_code == 202, response.text
        # The word typed and echoed on tty1: the screen changes, then
        # settles (but for the blinking cursor).
        frames = {}

        def settled():
            frames['previous'] = frames.get('last')
            frames['last'] = _png_of(driver.execute_script(_CANVAS_PNG))
            return (frames['previous'] is not None and _different_share(
                frames['previous'], frames['last']) < MAX_DIFFERENT)

        waiting.wait_for(settled, UI_TIMEOUT, interval=2.0,
                         message='the live screen to settle')
        live = frames['last']
        live.save(str(tmp_path / 'live.png'))
    finally:
        driver.quit()

    session, recording = _ended_recording(admin, instance_id, 'novnc')
    (tmp_path / 'session.rec').write_bytes(recording)
    driver = servers.chromium(tmp_path / 'replay')
    try:
        _replay(driver, deployment, recording, 0)
        replayed = _png_of(driver.execute_script(_CANVAS_PNG))
        replayed.save(str(tmp_path / 'replayed.png'))
        from_dashboard = _replay_from_dashboard(
            driver, deployment, instance_id, session['id'])
        from_dashboard.save(str(tmp_path / 'dashboard.png'))
    finally:
        driver.quit()
    for shown in (replayed, from_dashboard):
        share = _different_share(live, shown)
        assert share < MAX_DIFFERENT, (
            '%.4f of the replayed pixels differ from the live screen (see '
            '%s)' % (share, tmp_path))
    colours = replayed.getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 1, 'a blank replay'


def _replay_from_dashboard(driver, deployment, instance_id, session_id):
    """An administrator's Replay on the dashboard's admin page: the
    replayed screen (a PIL image)."""
    dash = dashboard_browser.Dashboard(
        driver, deployment.api_url, dashboard_browser.artefacts_dir())
    dash.page_errors()
    dash.sign_in(deployment.create_token('ops', 'root', roles=['admin']))
    dash.signed_in()
    dash.go('/admin', '#sessions-instance')
    option = '#sessions-instance option[value="%s"]' % instance_id
    dash.wait(lambda: dash.find_all(option), 'the instance in the picker')
    dash.find(option).click()
    dash.wait(lambda: dash.visible(
        '#sessions tr[data-session-id="%s"] button.action-replay'
        % session_id), 'the Replay button').click()
    frame = dash.wait(lambda: dash.visible('#replay-frame'),
                      'the replay frame')
    driver.switch_to.frame(frame)
    try:
        # Real time by default: the rest of it as fast as possible.
        speed = dash.wait(lambda: dash.visible('#speed'), 'the speed')
        speed.find_element('css selector', 'option[value="0"]').click()
        dash.wait(lambda: driver.execute_script(
            'return document.body.dataset.state === "done";'),
            'the replay to end')
        shown = _png_of(driver.execute_script(_CANVAS_PNG))
    finally:
        driver.switch_to.default_content()
    assert dash.page_errors() == []
    return shown


def _api_screenshot(api, instance_id):
    """The screenshot API's PNG of the guest's screen (a PIL image)."""
    from PIL import Image
    response = api.request('GET', '/instances/%s/screenshot' % instance_id)
    assert response.status_code == 200, response.text
    assert response.headers['content-type'] == 'image/png'
    return Image.open(io.BytesIO(response.content)).convert('RGB')


@servers.needs_chromium
def test_screenshot_api_shows_what_novnc_shows(api, booted, tmp_path):
    instance_id = booted['id']
    response = api.request(
        'POST', '/servers/%s/remote-consoles' % instance_id,
        json={'remote_console': {'protocol': 'vnc', 'type': 'novnc'}})
    assert response.status_code == 200, response.text
    driver = servers.chromium(tmp_path / 'live')
    try:
        driver.get(response.json()['remote_console']['url'])
        waiting.wait_for(
            lambda: driver.find_element('id', 'status').text.startswith(
                'Connected'), UI_TIMEOUT, message='noVNC connected')
        before = _api_screenshot(api, instance_id)
        before.save(str(tmp_path / 'before.png'))
        word = 'compared-' + secrets.token_hex(16)
        response = api.request(
            'POST', '/instances/%s/action' % instance_id,
            json={'type-text': {'text': 'echo %s %s\n' % (word, word),
                                'layout': 'us'}})
        assert response.status_code == 202, response.text
        seen = {}

        def live():
            seen['live'] = _png_of(driver.execute_script(_CANVAS_PNG))
            return seen['live']

        waiting.wait_for(
            lambda: _different_share(before, live()) > MAX_DIFFERENT,
            UI_TIMEOUT, interval=0.5, message='the typed text on noVNC')

        # Both taken at (nearly) the same moment; a sample may straddle a
        # cursor blink or the last echoed characters, so sample again.
        def alike():
            seen['live'] = live()
            seen['api'] = _api_screenshot(api, instance_id)
            seen['share'] = _different_share(seen['live'], seen['api'])
            return seen['share'] < MAX_DIFFERENT

        try:
            waiting.wait_for(alike, UI_TIMEOUT, interval=0.5, message=lambda: (
                'the screenshot to match noVNC; %.4f of the pixels differ'
                % seen['share']))
        finally:
            for name in ('live', 'api'):
                if name in seen:
                    seen[name].save(str(tmp_path / ('%s.png' % name)))
    finally:
        driver.quit()
    # The comparison can tell screens apart: the screen before the text
    # was typed differs by more than the bound.
    assert _different_share(before, seen['api']) > MAX_DIFFERENT, tmp_path
    colours = seen['api'].getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 1, 'a blank screenshot'


@servers.needs_chromium
def test_serial_recording_replays_the_guest_text(
        deployment, api, admin, booted, tmp_path):
    instance_id = booted['id']
    url = _recorded_console(admin, instance_id, 'serial', 'serial')
    word = 'serial-' + secrets.token_hex(4)
    printed = re.compile(r'(?m)^%s\r?$' % word)
    with ws_client.connect(url, proxy=None, open_timeout=10) as websocket:
        websocket.send(b'\x15echo %s\r' % word.encode('ascii'))
        seen = bytearray()

        def echoed():
            seen.extend(websocket.recv(timeout=UI_TIMEOUT))
            return printed.search(seen.decode('utf-8', 'replace'))

        waiting.wait_for(echoed, UI_TIMEOUT, interval=0,
                         message=lambda: '%s in %r' % (word, bytes(seen)))
    _session, recording = _ended_recording(admin, instance_id, 'serial')
    assert b'echo %s' % word.encode('ascii') in recording  # what was typed
    driver = servers.chromium(tmp_path / 'replay')
    try:
        _replay(driver, deployment, recording, 16)
        text = driver.find_element('id', 'text').text
    finally:
        driver.quit()
    assert printed.search(text), text[-2000:]


def test_recordings_are_for_administrators_only(api, admin, booted):
    instance_id = booted['id']
    response = api.request(
        'POST', '/servers/%s/remote-consoles' % instance_id,
        json={'remote_console': {'protocol': 'vnc', 'type': 'novnc',
                                 'record': True}})
    assert response.status_code == 403, response.text
    sessions = admin.request(
        'GET', '/servers/%s/console-sessions' % instance_id).json()[
            'console_sessions']
    for session in sessions:
        response = api.request(
            'GET', '/servers/%s/console-sessions/%s/recording'
            % (instance_id, session['id']))
        assert response.status_code == 403, response.text
