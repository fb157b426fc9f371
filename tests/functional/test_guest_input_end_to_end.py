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
import secrets

import pytest

from tests.functional import guest_deployment
from tests.functional import servers

pytestmark = pytest.mark.skipif(
    not os.path.exists(servers.QEMU_BINARY),
    reason='QEMU (%s) is not installed' % servers.QEMU_BINARY)


@pytest.fixture(scope='module')
def deployment(tmp_path_factory):
    with guest_deployment.default_image_deployment(
            tmp_path_factory, 'guest-input', 0) as deployment:
        yield deployment


def _action(api, instance_id, body):
    response = api.request('POST', '/instances/%s/action' % instance_id,
                           json=body)
    assert response.status_code == 202, response.text


def test_typed_text_runs_on_tty1_and_the_screenshot_shows_it(api):
    instance_id = guest_deployment.boot_to_shell(api, 'typed')['id']

    def type_by_api(text):
        # Ctrl-U drops what an earlier attempt left on the line.
        _action(api, instance_id, {'send-keys': {'keys': ['ctrl', 'u'],
                                                 'hold_ms': 20}})
        _action(api, instance_id, {'type-text': {'text': text,
                                                 'layout': 'us'}})

    guest_deployment.type_until_printed(
        api, instance_id, 'typed-' + secrets.token_hex(6), type_by_api)

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
