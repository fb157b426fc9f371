"""View-only sessions through a real proxy to an echoing fake guest.

The fake guest (:mod:`tests.unit.console.helpers`) sends its banner and
echoes every byte it receives, so what comes back is exactly what the
proxy let through to it.
"""

import struct

from consolehub.objects import console_session as session_obj
from tests.unit.console import helpers
from tests.unit.console.helpers import BANNER, TIMEOUT

SPICE = ('spice', 'spice-html5')
SERIAL = ('serial', 'serial')

EXCLUSIVE_INIT = b'RFB 003.008\n\x01\x00'
SHARED_INIT = b'RFB 003.008\n\x01\x01'
UPDATE_REQUEST = struct.pack('!BBHHHH', 3, 1, 0, 0, 640, 480)
ENCODINGS = struct.pack('!BxHii', 2, 2, 0, -223)
KEY_DOWN = struct.pack('!BBxxI', 4, 1, 0x61)
POINTER = struct.pack('!BBHH', 5, 1, 10, 20)
CUT_TEXT = struct.pack('!Bxxxi', 6, 3) + b'abc'


def _echoed(websocket, size):
    return helpers.recv_exactly(websocket, size)


def test_a_full_session_is_made_shared_and_passes_everything(
        proxy, guest, ctx, instance):
    raw_token = helpers.mint(ctx, instance, guest.port)
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
        websocket.send(EXCLUSIVE_INIT)
        assert _echoed(websocket, len(SHARED_INIT)) == SHARED_INIT
        typed = KEY_DOWN + POINTER + CUT_TEXT + UPDATE_REQUEST
        websocket.send(typed)
        assert _echoed(websocket, len(typed)) == typed


def test_a_view_only_session_passes_only_what_asks_for_updates(
        proxy, guest, ctx, instance):
    raw_token = helpers.mint(ctx, instance, guest.port, view_only=True)
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
        # Messages cut across websocket frames anyhow.
        stream = (EXCLUSIVE_INIT + ENCODINGS + KEY_DOWN + UPDATE_REQUEST +
                  POINTER + CUT_TEXT + UPDATE_REQUEST)
        for start in range(0, len(stream), 5):
            websocket.send(stream[start:start + 5])
        expected = SHARED_INIT + ENCODINGS + UPDATE_REQUEST + UPDATE_REQUEST
        assert _echoed(websocket, len(expected)) == expected
        # Nothing more was let through: the next thing echoed is the
        # next update request.
        websocket.send(KEY_DOWN + UPDATE_REQUEST)
        assert _echoed(websocket, len(UPDATE_REQUEST)) == UPDATE_REQUEST
    helpers.wait_for(lambda: all(row['ended_at'] is not None
                                 for row in helpers.sessions_of(instance)))
    [row] = helpers.sessions_of(instance)
    assert row['view_only'] is True
    assert row['user_id'] == 'u'
    assert row['bytes_to_guest'] == len(expected + UPDATE_REQUEST)


def test_an_unknown_message_ends_a_view_only_session(proxy, guest, ctx,
                                                     instance):
    raw_token = helpers.mint(ctx, instance, guest.port, view_only=True)
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
        websocket.send(EXCLUSIVE_INIT)
        assert _echoed(websocket, len(SHARED_INIT)) == SHARED_INIT
        websocket.send(b'\x42' + UPDATE_REQUEST)
        frame = helpers.closed(websocket)
    assert frame.code == 1008
    assert frame.reason == session_obj.REASON_VIEW_ONLY_PROTOCOL
    helpers.wait_for(lambda: [row['close_reason'] for row in
                              helpers.sessions_of(instance)] ==
                     [session_obj.REASON_VIEW_ONLY_PROTOCOL])


def test_viewers_have_their_own_limit(proxy, guest, ctx, instance,
                                      conf_fixture):
    conf_fixture.config(max_sessions_per_instance=1,
                        max_viewers_per_instance=1, group='console')
    full = helpers.url(proxy, helpers.mint(ctx, instance, guest.port))
    viewers = [helpers.url(proxy, helpers.mint(ctx, instance, guest.port,
                                               view_only=True))
               for _number in range(2)]
    with helpers.connect(full) as typing:
        assert typing.recv(timeout=TIMEOUT) == BANNER
        with helpers.connect(viewers[0]) as watching:
            assert watching.recv(timeout=TIMEOUT) == BANNER
            with helpers.connect(viewers[1]) as refused:
                frame = helpers.closed(refused)
            assert frame.code == 1008
            assert frame.reason == session_obj.REASON_VIEWER_LIMIT
            # The viewer left the full sessions' count alone.
            watching.send(SHARED_INIT)
            assert _echoed(watching, len(SHARED_INIT)) == SHARED_INIT


def test_a_view_only_serial_session_types_nothing(all_proxies, guest, ctx,
                                                  instance):
    raw_token = helpers.mint(ctx, instance, guest.port, SERIAL,
                             view_only=True)
    with helpers.connect(helpers.url(all_proxies, raw_token,
                                     kind='serial')) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
        websocket.send(b'reboot\r')
        websocket.send('echo typed\r')
    helpers.wait_for(lambda: all(row['ended_at'] is not None
                                 for row in helpers.sessions_of(instance)))
    [row] = helpers.sessions_of(instance)
    assert row['view_only'] is True
    assert row['bytes_to_guest'] == 0
    assert row['bytes_to_client'] == len(BANNER)


def _spice_link(channel_type):
    """A SPICE link header and the start of SpiceLinkMess."""
    return struct.pack('<4sIIIIBB', b'REDQ', 2, 2, 18, 0, channel_type, 0)


def test_a_view_only_spice_session_opens_main_and_display_only(
        all_proxies, guest, ctx, instance):
    raw_token = helpers.mint(ctx, instance, guest.port, SPICE,
                             view_only=True)
    url = helpers.url(all_proxies, raw_token, kind='spice-html5')
    with helpers.connect(url) as main:
        assert main.recv(timeout=TIMEOUT) == BANNER
        main.send(_spice_link(1))
        assert _echoed(main, 22) == _spice_link(1)
        with helpers.connect(url) as display:
            assert display.recv(timeout=TIMEOUT) == BANNER
            display.send(_spice_link(2)[:10])
            display.send(_spice_link(2)[10:])
            assert _echoed(display, 22) == _spice_link(2)
        with helpers.connect(url) as inputs:
            assert inputs.recv(timeout=TIMEOUT) == BANNER
            inputs.send(_spice_link(3))
            frame = helpers.closed(inputs)
        assert frame.code == 1008
        assert frame.reason == session_obj.REASON_VIEW_ONLY_CHANNEL
        # The session goes on.
        main.send(b'more')
        assert _echoed(main, 4) == b'more'
