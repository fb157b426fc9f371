"""Screenshots and typed text end to end on a real QEMU guest.

``consolehub-all`` boots the default image
(``tools/build-default-image.sh``, through
:class:`tests.lifecycle_drivers.DefaultImageDriver`), whose VGA console
tty1 runs a shell. A command typed there through ``type-text`` (no
console session open) writes a fresh word to the serial port, where the
console output API reads it back; the screenshot API then gives a PNG
of tty1's text screen.
"""

import io
import os
import re
import secrets

import pytest

from tests.functional import guest_deployment
from tests.functional import qemu_guest
from tests.functional import servers
from tests import waiting

pytestmark = pytest.mark.skipif(
    not os.path.exists(servers.QEMU_BINARY),
    reason='QEMU (%s) is not installed' % servers.QEMU_BINARY)

#: Seconds from a start to the shell prompt under TCG, shared CPUs.
BOOT_TIMEOUT = 180
#: Seconds one typed command has to show in the console output before it
#: is typed again (tty1's shell may start after the serial one).
ATTEMPT_TIMEOUT = 20


@pytest.fixture(scope='module')
def deployment(tmp_path_factory):
    with guest_deployment.default_image_deployment(
            tmp_path_factory, 'guest-input', 0) as deployment:
        yield deployment


def _output(api, instance_id):
    response = api.request('GET', '/instances/%s/console-output'
                           % instance_id)
    assert response.status_code == 200, response.text
    return response.json()['output']


def _action(api, instance_id, body):
    response = api.request('POST', '/instances/%s/action' % instance_id,
                           json=body)
    assert response.status_code == 202, response.text


def test_typed_text_runs_on_tty1_and_the_screenshot_shows_it(api):
    instance = api.create_instance('typed', memory_mb=128)
    instance_id = instance['id']
    api.wait_for_status(instance_id, 'ACTIVE', 120)
    banner = qemu_guest.BANNER % (instance_id, '/dev/ttyS0')

    def booted():
        _before, found, after = _output(api, instance_id).rpartition(banner)
        return found and qemu_guest.PROMPT in after

    waiting.wait_for(booted, BOOT_TIMEOUT, interval=0.5,
                     message=lambda: 'the shell; the output ends %r'
                     % _output(api, instance_id)[-500:])

    word = 'typed-' + secrets.token_hex(6)
    # Only the command's output reaches the serial port: tty1 echoes
    # what is typed on its own screen.
    printed = re.compile(r'(?m)^%s\r?$' % word)
    for _attempt in range(BOOT_TIMEOUT // ATTEMPT_TIMEOUT):
        # Ctrl-U drops what an earlier attempt left on the line.
        _action(api, instance_id, {'send-keys': {'keys': ['ctrl', 'u'],
                                                 'hold_ms': 20}})
        _action(api, instance_id, {'type-text': {
            'text': 'echo %s > /dev/ttyS0\n' % word, 'layout': 'us'}})
        try:
            waiting.wait_for(
                lambda: printed.search(_output(api, instance_id)),
                ATTEMPT_TIMEOUT, interval=0.5, message='%s on ttyS0' % word)
            break
        except waiting.TimedOut:
            continue
    else:
        pytest.fail('%s never reached the serial port; it ends %r'
                    % (word, _output(api, instance_id)[-1000:]))

    response = api.request('GET', '/instances/%s/screenshot' % instance_id)
    assert response.status_code == 200, response.text
    assert response.headers['content-type'] == 'image/png'
    assert response.content.startswith(b'\x89PNG\r\n\x1a\n')
    from PIL import Image
    with Image.open(io.BytesIO(response.content)) as screenshot:
        screenshot.load()
        width, height = screenshot.size
        colours = screenshot.convert('RGB').getcolors(maxcolors=1 << 16)
    # A VGA text or framebuffer console: lines of text, not one colour.
    assert 320 <= width <= 4096 and 200 <= height <= 4096, (width, height)
    assert colours is None or len(colours) > 1, colours

    response = api.request('DELETE', '/instances/' + instance_id)
    assert response.status_code == 204, response.text
