"""consolehub's dashboard end to end, as a user clicks through it.

``consolehub-all`` runs on the embedded defaults with real QEMU guests;
headless Chromium signs in at ``/dashboard/``, creates an instance and
watches it go from BUILD to ACTIVE, sees the guest's screen in the page,
reads the API's refusals, and as an administrator lists the compute
services, ends a console session and looks a console token up. What the
page shows is checked against what the API answers the same question.

Features whose API is not in this tree yet (the server actions os-stop,
os-start, reboot and os-getConsoleOutput; the image API /image/v2) have
their tests here too: each asks the API whether it offers the feature
(its OpenAPI document, or a 404) and skips saying which is missing.

Screenshots go to ``artefacts/dashboard`` (``$CONSOLEHUB_TEST_ARTEFACTS``).
"""

import os
import subprocess

import pytest
import websockets.exceptions
from websockets.sync import client as ws_client

from tests.functional import dashboard_browser
from tests.functional import rfb
from tests.functional import servers
from tests import waiting

pytestmark = [
    pytest.mark.skipif(not os.path.exists(servers.QEMU_BINARY),
                       reason='QEMU (%s) is not installed'
                              % servers.QEMU_BINARY),
    servers.needs_chromium,
]

#: The instance the tests drive through the dashboard.
NAME = 'dash-vm'
#: Seconds an instance may take from BUILD to ACTIVE (QEMU under TCG on
#: a shared machine).
BUILD_TIMEOUT = 120
#: The compute microversion the dashboard speaks.
COMPUTE_VERSION = {'OpenStack-API-Version': 'compute 2.31'}


@pytest.fixture(scope='module')
def deployment(tmp_path_factory):
    with servers.all_in_one(
            str(tmp_path_factory.mktemp('dashboard')),
            {'dashboard': {'poll_interval': '1'}}) as deployment:
        yield deployment


@pytest.fixture(scope='module')
def tokens(deployment):
    """API tokens: ``alice`` of project demo, ``admin`` of project ops."""
    return {'alice': deployment.create_token('demo', 'alice'),
            'admin': deployment.create_token('ops', 'root',
                                             roles=['admin'])}


@pytest.fixture(scope='module')
def admin_api(deployment, tokens):
    return servers.ApiClient(deployment.api_url, tokens['admin'])


@pytest.fixture(scope='module')
def offered(deployment):
    """The server actions the API's OpenAPI document lists."""
    document = servers.ApiClient(deployment.api_url, '').request(
        'GET', '/v2.1/openapi.json').json()
    schema = document['paths']['/v2.1/servers/{server_id}/action']['post'][
        'requestBody']['content']['application/json']['schema']
    return {name for choice in schema['oneOf']
            for name in choice.get('properties', {})}


def _require_actions(offered, *names):
    missing = [name for name in names if name not in offered]
    if missing:
        pytest.skip('the API does not offer the server action(s) %s yet '
                    '(not in /v2.1/openapi.json)' % ', '.join(missing))


@pytest.fixture(scope='module')
def browser(deployment, tmp_path_factory):
    driver = servers.chromium(str(tmp_path_factory.mktemp('chromium')))
    try:
        yield dashboard_browser.Dashboard(
            driver, deployment.api_url, dashboard_browser.artefacts_dir())
    finally:
        driver.quit()


@pytest.fixture
def dash(browser):
    """The browser, failing the test if the page logged a script error
    or a Content-Security-Policy violation meanwhile."""
    browser.page_errors()
    yield browser
    assert browser.page_errors() == []


def _as(dash, token):
    """Signed in with ``token``, on the instance table."""
    if dash.driver.current_url.startswith(dash.url) and (
            dash.driver.execute_script(
                "return sessionStorage.getItem('consolehub.token');")
            == token):
        dash.go('/instances', '#instances')
        return
    if dash.visible('#sign-out'):
        dash.sign_out()
    dash.sign_in(token)
    dash.signed_in()


@pytest.fixture(scope='module')
def server(browser, tokens, api):
    """``NAME`` created through the dashboard's form and ACTIVE; its
    ``id`` and the ``statuses`` its row showed on the way."""
    _as(browser, tokens['alice'])
    browser.record_statuses()
    browser.wait(lambda: browser.visible('#create-name'),
                 'the create form').send_keys(NAME)
    browser.find('#create-form button[type=submit]').click()
    browser.wait(lambda: browser.row(NAME), 'the new row')
    browser.screenshot('building')
    browser.wait_row_status(NAME, 'ACTIVE', BUILD_TIMEOUT)
    row = browser.row(NAME)
    server_id = row.get_attribute('data-server-id')
    yield {'id': server_id, 'statuses': browser.recorded_statuses(NAME)}
    api.request('DELETE', '/v2.1/servers/' + server_id)


def _open_instance(dash, server):
    """The instance's page, freshly drawn (no console open)."""
    dash.go('/instances', '#instances')
    dash.go('/instances/' + server['id'], '#instance-details')
    dash.wait(lambda: dash.heading() == NAME, 'the instance page')


# -- signing in -----------------------------------------------------------

def test_a_bad_token_gets_the_api_message(dash, deployment):
    answer = servers.ApiClient(deployment.api_url, 'not-a-token').request(
        'GET', '/v2.1/servers?limit=1')
    assert answer.status_code == 401
    dash.screenshot('sign-in')
    dash.sign_in('not-a-token')
    alert = dash.wait_alert(answer.json()['unauthorized']['message'])
    assert dash.visible('#api-token')
    assert not dash.visible('#nav'), alert


def test_the_token_stays_in_session_storage(dash, tokens):
    _as(dash, tokens['alice'])
    storage = dash.driver.execute_script(
        'return [sessionStorage.getItem("consolehub.token"),'
        ' localStorage.length, document.cookie, window.location.href];')
    assert storage[0] == tokens['alice']
    assert storage[1:3] == [0, '']
    assert tokens['alice'] not in storage[3]
    # Not an administrator: no admin pages.
    assert not dash.visible('#nav-admin')


# -- the instance table ----------------------------------------------------

def test_create_shows_build_then_active(dash, server, api):
    statuses = server['statuses']
    # The row showed BUILD with a progress bar, then ACTIVE without one.
    assert statuses[0] == 'BUILD+progress', statuses
    assert statuses[-1] == 'ACTIVE', statuses
    shown = api.request('GET', '/v2.1/servers/' + server['id'],
                        headers=COMPUTE_VERSION).json()['server']
    assert shown['name'] == NAME and shown['status'] == 'ACTIVE'
    cells = [cell.text for cell in dash.row(NAME).find_elements(
        'css selector', 'th, td')]
    assert cells[1] == 'ACTIVE'
    assert cells[3] == 'Running'          # power state 1
    assert cells[6].startswith('ch.tiny')  # flavor 1, the form's first
    assert cells[7] != '—'                # created
    dash.screenshot('instances')


def test_refused_create_shows_the_api_message(dash, api):
    name = ' padded '
    answer = api.request('POST', '/v2.1/servers', headers=COMPUTE_VERSION,
                         json={'server': {'name': name, 'flavorRef': '1'}})
    assert answer.status_code == 400
    message = answer.json()['badRequest']['message']
    dash.go('/instances', '#create-form')
    dash.wait(lambda: dash.visible('#create-name'),
              'the create form').send_keys(name)
    dash.find('#create-form button[type=submit]').click()
    dash.wait_alert(message)
    assert dash.row(name.strip()) is None


# -- one instance: console, refusals, log, actions -------------------------

def test_console_shows_the_guest_screen(dash, server):
    _open_instance(dash, server)
    dash.find('button[data-console=novnc]').click()
    dash.wait(lambda: dash.find_all('#console-frame'), 'the console frame')
    status = dash.wait(lambda: (lambda text: text if text and text.startswith(
        'Connected') else None)(dash.in_console_frame(
            "const s = document.getElementById('status');"
            'return s ? s.textContent : null;')),
        "noVNC's status bar to say Connected")
    # QEMU names the desktop after the guest's domain.
    assert 'instance-%s' % server['id'] in status
    shot = {}

    def text_on_black():
        _frame, box = dash.console_frame_box()
        if box is None or box[2] - box[0] < 300:
            return False
        png = dash.screenshot('console')
        shot.update(box=box, fraction=dashboard_browser.bright_fraction(
            png, box))
        # SeaBIOS's messages: light text on black.
        return 0.001 < shot['fraction'] < 0.2

    waiting.wait_for(text_on_black, 60, interval=0.5,
                     message=lambda: 'the guest\'s text on black in the '
                     'console frame (last %s)' % shot)


def test_watch_opens_a_view_only_console(dash, server, admin_api):
    _open_instance(dash, server)
    dash.find('button[data-console=novnc-watch]').click()
    dash.wait(lambda: dash.find_all('#console-frame'), 'the console frame')
    frame = dash.find('#console-frame')
    assert frame.get_attribute('data-view-only') == 'true'
    assert 'view_only=true' in frame.get_attribute('src')
    status = dash.wait(lambda: (lambda text: text if text and text.startswith(
        'Connected') else None)(dash.in_console_frame(
            "const s = document.getElementById('status');"
            'return s ? s.textContent : null;')),
        "noVNC's status bar to say Connected")
    assert 'instance-%s' % server['id'] in status
    dash.screenshot('watching')

    def watching():
        sessions = admin_api.request(
            'GET', '/instances/%s/console-sessions' % server['id']).json()[
            'console_sessions']
        return [session for session in sessions
                if session['status'] == 'open' and session['view_only']]

    [session] = waiting.wait_for(watching, 30,
                                 message='an open view-only session')
    assert session['user_id'] == 'alice'


def test_refused_console_shows_the_api_message(dash, server, api):
    # SPICE is off in the default configuration: the API refuses it.
    answer = api.request(
        'POST', '/v2.1/servers/%s/remote-consoles' % server['id'],
        headers=COMPUTE_VERSION, json={'remote_console': {
            'protocol': 'spice', 'type': 'spice-html5'}})
    assert answer.status_code == 400
    message = answer.json()['badRequest']['message']
    _open_instance(dash, server)
    dash.find('button[data-console=spice]').click()
    dash.wait_alert(message)
    assert not dash.find_all('#console-frame')
    dash.screenshot('refused')


def test_missing_actions_are_disabled_with_a_note(dash, server, offered):
    if {'os-stop', 'os-start', 'reboot', 'os-getConsoleOutput'} <= offered:
        pytest.skip('the API offers every action')
    _open_instance(dash, server)
    for key, action in (('stop', 'os-stop'), ('start', 'os-start'),
                        ('reboot', 'reboot')):
        button = dash.action_button(key)
        if action not in offered:
            assert not button.is_enabled()
            assert action in button.get_attribute('title')
            assert key in dash.find('#missing-actions').text
    if 'os-getConsoleOutput' not in offered:
        assert dash.visible('#no-log')
        assert not dash.find('#log-show').is_enabled()


def test_console_log_matches_the_api(dash, server, api, offered):
    _require_actions(offered, 'os-getConsoleOutput')
    _open_instance(dash, server)
    dash.find('#log-show').click()

    def same_as_api():
        output = api.request(
            'POST', '/v2.1/servers/%s/action' % server['id'],
            headers=COMPUTE_VERSION,
            json={'os-getConsoleOutput': {'length': 50}}).json()['output']
        shown = dash.find('#console-log').get_attribute('textContent')
        return shown == (output or '(The guest has printed nothing yet.)')

    dash.wait(same_as_api, 'the log shown to match os-getConsoleOutput')
    dash.screenshot('log')


def _detail_status(dash):
    return dash.find('#instance-details dd[data-field=status] .status').text


def test_stop_then_start(dash, server, api, offered):
    _require_actions(offered, 'os-stop', 'os-start')
    _open_instance(dash, server)
    dash.action_button('stop', enabled=True).click()
    assert NAME in dash.confirm()
    dash.wait(lambda: _detail_status(dash) == 'SHUTOFF',
              'SHUTOFF after Stop', BUILD_TIMEOUT)
    dash.screenshot('stopped')
    # A console of a stopped guest: the API's 409, as the page shows it.
    answer = api.request(
        'POST', '/v2.1/servers/%s/remote-consoles' % server['id'],
        headers=COMPUTE_VERSION, json={'remote_console': {
            'protocol': 'vnc', 'type': 'novnc'}})
    assert answer.status_code == 409
    dash.find('button[data-console=novnc]').click()
    dash.wait_alert(answer.json()['conflictingRequest']['message'])
    dash.action_button('start', enabled=True).click()
    dash.confirm()
    dash.wait(lambda: _detail_status(dash) == 'ACTIVE',
              'ACTIVE after Start', BUILD_TIMEOUT)


def test_reboot(dash, server, api, offered):
    _require_actions(offered, 'reboot')
    dash.go('/instances', '#instances')
    dash.record_statuses()
    dash.action_button('reboot', scope='#instances tr[data-server-id="%s"]'
                       % server['id'], enabled=True).click()
    dash.confirm()
    dash.wait(lambda: len(dash.recorded_statuses(NAME)) > 1,
              'the row to show the reboot', BUILD_TIMEOUT)
    dash.wait_row_status(NAME, 'ACTIVE', BUILD_TIMEOUT)
    assert dash.alerts() == []


# -- images ----------------------------------------------------------------

@pytest.fixture
def image_api(api):
    if api.request('GET', '/image/v2/images').status_code == 404:
        pytest.skip('the API has no image service yet (/image/v2/images '
                    'answers 404)')


def test_upload_an_image_and_boot_it(dash, tokens, api, image_api, tmp_path):
    path = str(tmp_path / 'blank.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', path, '16M'],
                   check=True)
    _as(dash, tokens['alice'])
    dash.go('/images', '#upload-form')
    dash.find('#upload-file').send_keys(path)
    dash.wait(lambda: dash.find('#upload-name').get_attribute('value') ==
              'blank', 'the name taken from the file')
    assert dash.find('#upload-format').get_attribute('value') == 'qcow2'
    dash.find('#upload-form button[type=submit]').click()
    row = dash.wait(lambda: dash.visible(
        '#images tr[data-status=active]'), 'the uploaded image, active')
    image_id = row.get_attribute('data-image-id')
    assert dash.find('#upload-progress').get_attribute('value') == str(
        os.path.getsize(path))
    assert dash.find('#upload-progress-text').text.endswith(
        '(100 %): uploaded.')
    image = api.request('GET', '/image/v2/images/' + image_id).json()
    assert (image['name'], image['status'], image['size']) == (
        'blank', 'active', os.path.getsize(path))
    dash.screenshot('images')

    dash.go('/instances', '#create-form')
    dash.wait(lambda: dash.find_all('#create-image option[value="%s"]'
                                    % image_id), 'the image in the form')
    dash.find('#create-name').send_keys('from-image')
    dash.find('#create-image option[value="%s"]' % image_id).click()
    dash.find('#create-form button[type=submit]').click()
    dash.wait_row_status('from-image', 'ACTIVE', BUILD_TIMEOUT)
    cells = dash.row('from-image').find_elements('css selector', 'td')
    assert cells[4].text == 'blank'  # the Image column
    dash.action_button('delete', scope='#instances tr[data-server-id="%s"]'
                       % dash.row('from-image').get_attribute(
                           'data-server-id')).click()
    dash.confirm()
    dash.wait(lambda: dash.row('from-image') is None, 'the row to go',
              BUILD_TIMEOUT)
    dash.go('/images', '#images')
    dash.find('#images tr[data-image-id="%s"] button' % image_id).click()
    dash.confirm()
    dash.wait(lambda: not dash.find_all('#images tr[data-image-id="%s"]'
                                        % image_id), 'the image to go')
    assert api.request('GET', '/image/v2/images/' +
                       image_id).status_code == 404


# -- administrators --------------------------------------------------------

def test_admin_sees_the_services(dash, tokens, admin_api):
    _as(dash, tokens['admin'])
    assert dash.visible('#nav-admin')
    dash.go('/admin', '#services')
    expected = admin_api.request('GET', '/os-services').json()['services']
    for service in expected:
        row = dash.wait(lambda: dash.find(
            '#services tr[data-host="%s"]' % service['host']),
            'the row of %s' % service['host'])
        assert service['state'] in row.text
        assert service['binary'] in row.text
    dash.screenshot('admin')


def test_admin_ends_a_console_session(dash, deployment, tokens, server,
                                      api):
    token = servers.novnc_token(api.console_url(server['id']))
    with ws_client.connect(deployment.console_ws_url(token), open_timeout=10,
                           proxy=None) as websocket:
        assert websocket.recv(timeout=10) == rfb.RFB_BANNER
        _as(dash, tokens['admin'])
        dash.go('/admin', '#sessions-instance')
        dash.wait(lambda: dash.find_all('#sessions-instance option[value="%s"]'
                                        % server['id']),
                  'the instance in the picker')
        dash.find('#sessions-instance option[value="%s"]'
                  % server['id']).click()
        button = dash.wait(lambda: dash.visible(
            '#sessions tr[data-status=open] button.action-end'),
            'an open session with an End button')
        button.click()
        dash.confirm()
        dash.wait(lambda: not dash.find_all('#sessions tr[data-status=open]'),
                  'the session to leave "open"')

        def closed():
            try:
                websocket.recv(timeout=0.2)
            except TimeoutError:
                return False
            except websockets.exceptions.ConnectionClosed:
                return True
            return False

        waiting.wait_for(closed, 30, interval=0,
                         message='the proxy to close the ended session')
    dash.wait(lambda: dash.find_all('#sessions tr[data-status=ended]'),
              'the session shown ended')


def test_admin_looks_up_a_console_token(dash, tokens, server, api,
                                        admin_api):
    access_url = api.console_url(server['id'])
    _as(dash, tokens['admin'])
    dash.go('/admin', '#token-lookup')
    dash.find('#token-value').send_keys(access_url)
    dash.find('#token-lookup button[type=submit]').click()
    found = dash.wait(lambda: dash.visible(
        '#token-result dd[data-field=instance]'), 'the lookup result')
    assert found.text == server['id']
    shown = admin_api.request(
        'GET', '/v2.1/os-console-auth-tokens/' + servers.novnc_token(
            access_url), headers=COMPUTE_VERSION).json()['console']
    assert dash.find('#token-result dd[data-field=port]').text == str(
        shown['port'])
    unknown = admin_api.request('GET', '/v2.1/os-console-auth-tokens/' +
                                'x' * 43, headers=COMPUTE_VERSION)
    assert unknown.status_code == 404
    field = dash.find('#token-value')
    field.clear()
    field.send_keys('x' * 43)
    dash.find('#token-lookup button[type=submit]').click()
    dash.wait_alert(unknown.json()['itemNotFound']['message'])


# -- deleting, with the keyboard only --------------------------------------

def test_delete_by_keyboard_after_confirming(dash, tokens, server, api):
    from selenium.webdriver.common.keys import Keys

    _as(dash, tokens['alice'])
    dash.wait(lambda: dash.row(NAME), 'the row of %s' % NAME)
    button = dash.action_button(
        'delete', scope='#instances tr[data-server-id="%s"]' % server['id'])
    dash.driver.execute_script('arguments[0].focus();', button)
    active = dash.driver.switch_to.active_element

    active.send_keys(Keys.ENTER)
    dash.wait(lambda: dash.visible('#confirm[open]'), 'the dialog')
    assert dash.driver.switch_to.active_element.get_attribute(
        'id') == 'confirm-cancel'
    dash.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    dash.wait(lambda: not dash.find_all('#confirm[open]'), 'Escape to close')
    assert dash.driver.switch_to.active_element == button
    assert api.request('GET', '/v2.1/servers/' + server['id']).ok

    button.send_keys(Keys.ENTER)
    dash.wait(lambda: dash.visible('#confirm[open]'), 'the dialog again')
    dash.driver.switch_to.active_element.send_keys(Keys.TAB)
    assert dash.driver.switch_to.active_element.get_attribute(
        'id') == 'confirm-ok'
    dash.driver.switch_to.active_element.send_keys(Keys.ENTER)
    dash.wait(lambda: dash.row(NAME) is None, 'the row to go', BUILD_TIMEOUT)
    assert api.request('GET', '/v2.1/servers/' +
                       server['id']).status_code == 404
