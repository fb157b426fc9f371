"""Console sessions in the proxy: one-time tokens, limits, timeouts, ends.

Same set-up as ``test_proxy.py`` (the fixtures of ``conftest.py``): a
real proxy on 127.0.0.1, a SQLite database and an echoing fake guest.
"""

import concurrent.futures
import contextlib
import signal
import time

import pytest
from websockets import exceptions as ws_exceptions

from consolehub.conf import CONF
from consolehub.console import service
from consolehub import context as consolehub_context
from consolehub.db import console_sessions as db_sessions
from consolehub.objects import console_auth_token
from consolehub.objects import console_session as session_obj
from consolehub.objects import instance as instance_obj
from tests.unit.console import helpers
from tests.unit.console.helpers import BANNER, TIMEOUT

_sessions = helpers.sessions_of
_wait_for = helpers.wait_for
_closed = helpers.closed


def test_one_time_token_is_refused_the_second_time(proxy, guest, ctx,
                                                   instance):
    raw_token = helpers.mint(ctx, instance, guest.port)
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
        # Refused while the first session is open ...
        assert helpers.refusal(
            helpers.url(proxy, raw_token)).status_code == 401
    # ... and after it ended.
    assert helpers.refusal(
        helpers.url(proxy, raw_token)).status_code == 401


def test_reusable_tokens_when_single_use_is_off(proxy, guest, ctx,
                                                instance, conf_fixture):
    conf_fixture.config(single_use=False, group='consoleauth')
    raw_token = helpers.mint(ctx, instance, guest.port)
    for _ in range(2):
        with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
            assert websocket.recv(timeout=TIMEOUT) == BANNER


def test_two_racing_connections_one_wins(proxy, guest, ctx, instance):
    for _ in range(5):
        raw_token = helpers.mint(ctx, instance, guest.port)

        def attempt(_number):
            try:
                with helpers.connect(
                        helpers.url(proxy, raw_token)) as websocket:
                    assert websocket.recv(timeout=TIMEOUT) == BANNER
            except ws_exceptions.InvalidStatus as error:
                return error.response.status_code
            return 'won'

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            results = sorted(pool.map(attempt, range(2)), key=str)
        assert results == [401, 'won']


def test_session_record_after_a_transfer(proxy, guest, ctx, instance):
    raw_token = helpers.mint(ctx, instance, guest.port)
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
        [row] = _sessions(instance)
        assert row['ended_at'] is None
        websocket.send(b'x' * 1000)
        assert helpers.recv_exactly(websocket, 1000) == b'x' * 1000
    _wait_for(lambda: _sessions(instance)[0]['ended_at'] is not None)
    [row] = _sessions(instance)
    assert row['token_hash_prefix'] == console_auth_token.hash_token(
        raw_token)[:8]
    assert row['client_address'] == '127.0.0.1'
    assert row['console_type'] == 'novnc'
    assert row['bytes_to_guest'] == 1000
    assert row['bytes_to_client'] == len(BANNER) + 1000
    assert row['close_reason'] == 'client closed'
    assert row['started_at'] <= row['ended_at']


def test_session_limit_closes_with_1008(proxy, guest, ctx, instance):
    urls = [helpers.url(proxy, helpers.mint(ctx, instance, guest.port))
            for _ in range(3)]
    with helpers.connect(urls[1]) as second:
        with helpers.connect(urls[0]) as first:
            assert first.recv(timeout=TIMEOUT) == BANNER
            assert second.recv(timeout=TIMEOUT) == BANNER
            with helpers.connect(urls[2]) as third:
                frame = _closed(third)
            assert frame.code == 1008
            assert frame.reason == session_obj.REASON_LIMIT
        # The refused token was not consumed: it opens once a slot is free.
        _wait_for(lambda: sum(row['ended_at'] is None
                              for row in _sessions(instance)) == 1)
        with helpers.connect(urls[2]) as third:
            assert third.recv(timeout=TIMEOUT) == BANNER


def test_session_ends_when_its_token_expires(proxy, guest, ctx, instance,
                                             conf_fixture):
    conf_fixture.config(token_ttl=2, group='consoleauth')
    raw_token = helpers.mint(ctx, instance, guest.port)
    started = time.monotonic()
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
        frame = _closed(websocket)
    assert frame.reason == session_obj.REASON_TOKEN_EXPIRED
    assert 0.5 < time.monotonic() - started < 4
    _wait_for(lambda: _sessions(instance)[0]['close_reason'] ==
              session_obj.REASON_TOKEN_EXPIRED)


def test_session_outlives_token_when_configured(proxy, guest, ctx, instance,
                                                conf_fixture):
    conf_fixture.config(session_outlives_token=True, group='console')
    raw_token = helpers.mint(ctx, instance, guest.port)
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
        [session] = proxy.sessions.values()

        def expire_then_sweep():
            session.expires = time.time() - 1  # the token's TTL is over
            proxy.book._sweep()

        helpers.in_proxy_loop(proxy, expire_then_sweep)
        assert session.close_reason is None
        websocket.send(b'still here')
        assert helpers.recv_exactly(websocket, 10) == b'still here'


def test_idle_session_is_ended(proxy, guest, ctx, instance, conf_fixture):
    conf_fixture.config(idle_timeout=1, group='console')
    raw_token = helpers.mint(ctx, instance, guest.port)
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
        # Traffic keeps it open past the timeout ...
        busy_until = time.monotonic() + 1.6
        while time.monotonic() < busy_until:
            websocket.send(b'k')
            assert websocket.recv(timeout=TIMEOUT) == b'k'
        started = time.monotonic()
        frame = _closed(websocket)
    # ... silence ends it.
    assert frame.reason == session_obj.REASON_IDLE
    assert 0.5 < time.monotonic() - started < 3
    _wait_for(lambda: _sessions(instance)[0]['close_reason'] ==
              session_obj.REASON_IDLE)


def test_admin_ends_a_session(proxy, guest, ctx, instance):
    raw_token = helpers.mint(ctx, instance, guest.port)
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
        [row] = _sessions(instance)
        db_sessions.console_session_request_end(
            consolehub_context.get_admin_context(), instance['uuid'],
            row['uuid'], 'ended by an administrator')
        frame = _closed(websocket)
    assert frame.reason == 'ended by an administrator'
    _wait_for(lambda: _sessions(instance)[0]['ended_at'] is not None)


def test_instance_delete_closes_its_sessions(proxy, guest, ctx, instance):
    raw_token = helpers.mint(ctx, instance, guest.port)
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
        instance_obj.destroy(ctx, instance['uuid'])
        frame = _closed(websocket)
    assert frame.reason == session_obj.REASON_INSTANCE_DELETED


def test_stop_records_the_end_of_open_sessions(proxy, guest, ctx,
                                               instance):
    raw_token = helpers.mint(ctx, instance, guest.port)
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
        proxy.stop()
        assert _closed(websocket).code == 1001
    assert proxy.join(TIMEOUT)
    [row] = _sessions(instance)
    assert row['close_reason'] == session_obj.REASON_STOPPING
    assert row['bytes_to_client'] == len(BANNER)


def test_token_of_another_console_type_is_refused(proxy, guest, ctx,
                                                  instance):
    raw_token, _row = console_auth_token.mint(
        ctx, ('serial', 'serial'), '127.0.0.1', guest.port, instance['uuid'])
    assert helpers.refusal(
        helpers.url(proxy, raw_token)).status_code == 401


def test_spice_channels_share_the_one_time_token(all_proxies, guest, ctx,
                                                 instance):
    raw_token, _row = console_auth_token.mint(
        ctx, ('spice', 'spice-html5'), '127.0.0.1', guest.port,
        instance['uuid'])
    url = 'ws://127.0.0.1:%d/?token=%s' % (
        all_proxies.bound_ports['spice-html5'], raw_token)
    with helpers.connect(url) as main:
        assert main.recv(timeout=TIMEOUT) == BANNER
        # The client's display and input channels use the same token.
        with helpers.connect(url) as display:
            assert display.recv(timeout=TIMEOUT) == BANNER
            display.send(b'ab')
            assert helpers.recv_exactly(display, 2) == b'ab'
        assert len(_sessions(instance)) == 1
    # Once the main channel is gone the token opens nothing.
    _wait_for(lambda: _sessions(instance)[0]['ended_at'] is not None)
    assert helpers.refusal(url).status_code == 401
    [row] = _sessions(instance)
    assert row['bytes_to_client'] == 2 * len(BANNER) + 2


def test_spice_channels_are_capped(all_proxies, guest, ctx, instance,
                                   conf_fixture):
    conf_fixture.config(max_spice_channels=3, group='console')
    raw_token = helpers.mint(ctx, instance, guest.port,
                             console_type=('spice', 'spice-html5'))
    url = helpers.url(all_proxies, raw_token, kind='spice-html5')
    with contextlib.ExitStack() as stack:
        channels = [stack.enter_context(helpers.connect(url))
                    for _ in range(3)]
        for channel in channels:
            assert channel.recv(timeout=TIMEOUT) == BANNER
        with helpers.connect(url) as fourth:
            frame = _closed(fourth)
        assert frame.code == 1008
        assert frame.reason == session_obj.REASON_SPICE_CHANNELS
        # A channel that goes frees its place.
        channels[2].close()
        [session] = all_proxies.sessions.values()
        _wait_for(lambda: len(session.channels) == 1)
        with helpers.connect(url) as again:
            assert again.recv(timeout=TIMEOUT) == BANNER


def test_serial_accepts_text_and_serves_its_page(all_proxies, guest, ctx,
                                                 instance):
    raw_token, _row = console_auth_token.mint(
        ctx, ('serial', 'serial'), '127.0.0.1', guest.port, instance['uuid'])
    port = all_proxies.bound_ports['serial']
    with helpers.connect('ws://127.0.0.1:%d/?token=%s' % (
            port, raw_token)) as websocket:
        # The guest's serial hub is told the session's role first.
        expected = BANNER + b'consolehub-serial/1 write\n'
        assert helpers.recv_exactly(websocket, len(expected)) == expected
        websocket.send('ls\r')
        assert helpers.recv_exactly(websocket, 3) == b'ls\r'
    response, body = helpers.http_get(port, 'GET', '/serial.html')
    assert response.status == 200
    assert b'WebSocket' in body


@pytest.mark.parametrize('query, role', [('&take_over=1', b'takeover'),
                                         ('&take_over=true', b'takeover'),
                                         ('&take_over=0', b'write')])
def test_serial_take_over_is_asked_of_the_hub(all_proxies, guest, ctx,
                                              instance, query, role):
    raw_token, _row = console_auth_token.mint(
        ctx, ('serial', 'serial'), '127.0.0.1', guest.port, instance['uuid'])
    port = all_proxies.bound_ports['serial']
    with helpers.connect('ws://127.0.0.1:%d/?token=%s%s' % (
            port, raw_token, query)) as websocket:
        expected = BANNER + b'consolehub-serial/1 %s\n' % role
        assert helpers.recv_exactly(websocket, len(expected)) == expected


def test_sighup_reload_changes_mutable_options(tmp_path, conf_fixture):
    config = tmp_path / 'proxy.conf'
    config.write_text('[console]\nidle_timeout = 5\n')
    CONF.set_default('idle_timeout', 0, group='console')
    CONF(['--config-file', str(config)], project='consolehub',
         default_config_files=[])
    try:
        assert CONF.console.idle_timeout == 5
        config.write_text('[console]\nidle_timeout = 7\n'
                          'max_sessions_per_instance = 1\n')
        service.reload_config()
        assert CONF.console.idle_timeout == 7
        assert CONF.console.max_sessions_per_instance == 1
    finally:
        CONF([], project='consolehub', default_config_files=[])


def test_small_messages_pings_and_fragments_keep_their_order(
        proxy, guest, ctx, instance):
    raw_token = helpers.mint(ctx, instance, guest.port)
    expected = bytearray()
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER
        for number in range(300):
            message = b'%05d' % number
            websocket.send(message)
            expected += message
            if number == 100:
                websocket.ping().wait(TIMEOUT)
        # A fragmented message: websockets' own path from here on.
        websocket.send([b'frag', b'ment'])
        expected += b'fragment'
        websocket.send(b'after')
        expected += b'after'
        assert helpers.recv_exactly(websocket, len(expected)) == expected
    _wait_for(lambda: _sessions(instance)[0]['ended_at'] is not None)
    assert _sessions(instance)[0]['bytes_to_guest'] == len(expected)


_SIGHUP_SCRIPT = '''
import sys
from consolehub.conf import CONF
CONF(['--config-file', sys.argv[1]], project='consolehub',
     default_config_files=[])
from consolehub.console import service
service.main_loop()
print('limit %d idle %d' % (CONF.console.max_sessions_per_instance,
                            CONF.console.idle_timeout))
'''


def test_sighup_reloads_and_sigterm_stops(tmp_path):
    port = helpers.closed_port()
    config = tmp_path / 'proxy.conf'
    base = ('[DEFAULT]\nstate_path = %s\n[vnc]\nnovncproxy_host = 127.0.0.1'
            '\nnovncproxy_port = %d\n' % (tmp_path, port))
    config.write_text(base + '[console]\nmax_sessions_per_instance = 2\n')
    with helpers.proxy_process(_SIGHUP_SCRIPT, str(config),
                               port) as process:
        config.write_text(base + '[console]\nmax_sessions_per_instance = 5'
                          '\nidle_timeout = 30\n')
        # The loop handles the two signals in order: the reload, then the
        # stop; the options printed at the end show the reload happened.
        process.send_signal(signal.SIGHUP)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, err
    assert b'limit 5 idle 30' in out


# -- no session row without a websocket --------------------------------------

@pytest.mark.parametrize('kwargs', [{'key': None}, {'version': '8'},
                                    {'key': 'dG9vIHNob3J0'}],
                         ids=['no-key', 'version-8', 'short-key'])
def test_failed_handshake_spends_no_token(proxy, guest, ctx, instance,
                                          kwargs):
    raw_token = helpers.mint(ctx, instance, guest.port)
    status, _body = helpers.raw_upgrade(proxy.bound_port, raw_token,
                                        **kwargs)
    assert status == 400
    assert _sessions(instance) == []
    with helpers.connect(helpers.url(proxy, raw_token)) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER


def test_resets_after_the_request_leave_no_open_session(proxy, guest, ctx,
                                                        instance):
    # Clients gone right after their request must not hold the two
    # sessions an instance may have. A reset may also reach the proxy
    # before it reads the request (then no row at all) or after its
    # answer (then a session that ends as it starts): four of them.
    for _ in range(4):
        helpers.reset_after_request(proxy.bound_port,
                                    helpers.mint(ctx, instance, guest.port))

    def settled():
        rows = _sessions(instance)
        return (rows and all(row['ended_at'] is not None for row in rows)
                and not proxy.book.pending and not proxy.sessions)

    _wait_for(settled)
    with helpers.connect(helpers.url(
            proxy, helpers.mint(ctx, instance, guest.port))) as websocket:
        assert websocket.recv(timeout=TIMEOUT) == BANNER


def test_admin_ends_a_session_no_websocket_holds(proxy, guest, ctx,
                                                 instance):
    """A row left open without a websocket (an earlier bug, another
    proxy's crash) ends when an administrator ends it."""
    raw_token = helpers.mint(ctx, instance, guest.port)
    outcome, _token, row = session_obj.redeem(
        console_auth_token.hash_token(raw_token), 'novnc', '192.0.2.1', True,
        2)
    assert outcome == session_obj.REDEEM_OK
    session_obj.request_end(consolehub_context.get_admin_context(),
                            instance['uuid'], row['uuid'],
                            session_obj.REASON_ENDED_BY_ADMIN)
    [ended] = _wait_for(lambda: [
        found for found in _sessions(instance)
        if found['ended_at'] is not None])
    assert ended['close_reason'] == session_obj.REASON_ENDED_BY_ADMIN
