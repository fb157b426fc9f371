"""Signing in to the dashboard with a Keystone user name and password.

A real Keystone (:mod:`tests.functional.horizon.keystone`, from the
``horizon`` tox environment or ``$CONSOLEHUB_TEST_OPENSTACK_BIN``) allows
the dashboard's origin in its ``[cors] allowed_origin``; consolehub runs
with ``[api] auth_strategy = keystone`` and ``[dashboard] keystone_url``.
The browser asks Keystone for a project-scoped token itself, then the
API validates that token through keystonemiddleware.
"""

import configparser
import os
import secrets

import pytest
import requests

from tests.functional import dashboard_browser
from tests.functional.horizon import keystone
from tests.functional.horizon import processes
from tests.functional import servers


def _missing():
    for name in ('keystone-manage', 'uwsgi'):
        if not os.access(processes.openstack_command(name), os.X_OK):
            return ('%s is not in %s (tox -e horizon installs Keystone)'
                    % (name, processes.openstack_bin_dir()))
    if not (os.path.exists(servers.CHROMIUM)
            and os.path.exists(servers.CHROMEDRIVER)):
        return 'Chromium and chromium-driver are not installed'
    return None


pytestmark = pytest.mark.skipif(_missing() is not None,
                                reason=str(_missing()))


class CorsKeystone(keystone.Keystone):
    """Keystone that lets the page at ``allowed_origin`` call it (its
    ``X-Subject-Token`` is among the headers Keystone's CORS defaults
    expose).

    Keystone's CORS filter (oslo.middleware) reads ``keystone.conf`` from
    oslo.config's default places, not from ``OS_KEYSTONE_CONFIG_FILES``:
    the server's ``HOME`` is the state directory, which holds a copy in
    ``.keystone/``.
    """

    allowed_origin = None

    def __init__(self, state_path):
        super().__init__(state_path)
        self.server.env['HOME'] = state_path

    def _write_config(self):
        super()._write_config()
        config = configparser.ConfigParser(interpolation=None)
        config.read(self.config_file)
        config['cors'] = {'allowed_origin': self.allowed_origin}
        home_config = os.path.join(self.state_path, '.keystone',
                                   'keystone.conf')
        os.makedirs(os.path.dirname(home_config), exist_ok=True)
        for path in (self.config_file, home_config):
            with open(path, 'w') as out:
                config.write(out)


@pytest.fixture(scope='module')
def cloud(tmp_path_factory):
    """``(keystone, consolehub deployment, users)``; users maps a name
    to ``(password, project)``."""
    state_path = str(tmp_path_factory.mktemp('dash-ks'))
    identity_server = CorsKeystone(os.path.join(state_path, 'keystone'))
    service_password = secrets.token_hex(16)
    options = {
        'api': {'auth_strategy': 'keystone'},
        'dashboard': {'keystone_url': identity_server.v3_url,
                      'poll_interval': '1'},
        'keystone_authtoken': {
            'www_authenticate_uri': identity_server.v3_url,
            'auth_url': identity_server.url,
            'auth_type': 'password',
            'username': 'consolehub',
            'password': service_password,
            'project_name': 'service',
            'user_domain_id': keystone.DOMAIN_ID,
            'project_domain_id': keystone.DOMAIN_ID,
        },
    }
    # consolehub first: Keystone's CORS origin is its API's URL. Its
    # auth_token filter reaches Keystone only with the first request.
    with servers.all_in_one(state_path, options) as deployment:
        identity_server.allowed_origin = deployment.api_url
        identity_server.setup()
        try:
            identity_server.start()
            identity = identity_server.admin()
            identity.create_user('consolehub', service_password,
                                 identity.create_project('service'),
                                 ['service'])
            users = {'demo': (secrets.token_hex(16), 'demo'),
                     'admin': (identity_server.admin_password, 'admin')}
            identity.create_user('demo', users['demo'][0],
                                 identity.create_project('demo'),
                                 ['member'])
            yield identity_server, deployment, users
        finally:
            identity_server.stop()


@pytest.fixture(scope='module')
def browser(cloud, tmp_path_factory):
    driver = servers.chromium(str(tmp_path_factory.mktemp('chromium')))
    try:
        yield dashboard_browser.Dashboard(
            driver, cloud[1].api_url, dashboard_browser.artefacts_dir())
    finally:
        driver.quit()


def _keystone_sign_in(dash, user, password, project):
    dash.open()
    if dash.visible('#sign-out'):
        dash.sign_out()
    form = dash.wait(lambda: dash.visible('#keystone-form'),
                     'the Keystone sign-in form')
    for field, value in (('#ks-user', user), ('#ks-password', password),
                         ('#ks-project', project)):
        element = form.find_element('css selector', field)
        element.clear()
        element.send_keys(value)
    assert form.find_element('css selector',
                             '#ks-domain').get_attribute('value') == 'Default'
    form.find_element('css selector', 'button[type=submit]').click()


def test_a_wrong_password_gets_keystone_message(browser, cloud):
    identity_server, _deployment, users = cloud
    answer = requests.post(identity_server.v3_url + '/auth/tokens',
                           timeout=30, json={'auth': {'identity': {
                               'methods': ['password'], 'password': {
                                   'user': {'name': 'demo',
                                            'domain': {'name': 'Default'},
                                            'password': 'wrong'}}}}})
    assert answer.status_code == 401
    _keystone_sign_in(browser, 'demo', 'wrong', 'demo')
    browser.wait_alert(answer.json()['error']['message'])
    assert not browser.visible('#nav')
    # The token form stays on offer for a token from the CLI.
    assert browser.find_all('details #token-form')
    assert browser.page_errors() == []


def test_a_member_signs_in_with_a_password(browser, cloud):
    _identity_server, deployment, users = cloud
    _keystone_sign_in(browser, 'demo', *users['demo'])
    browser.signed_in()
    assert browser.find('#who-name').text == 'demo (demo)'
    assert not browser.visible('#nav-admin')
    token = browser.driver.execute_script(
        "return sessionStorage.getItem('consolehub.token');")
    # The page holds a Keystone token the API accepts for project demo.
    answer = servers.ApiClient(deployment.api_url, token).request(
        'GET', '/v2.1/servers')
    assert answer.status_code == 200
    assert browser.find('#instances tbody').text.startswith('No instances')
    browser.screenshot('keystone-member')
    assert browser.page_errors() == []


def test_the_admin_signs_in_and_sees_admin_pages(browser, cloud):
    _identity_server, _deployment, users = cloud
    _keystone_sign_in(browser, 'admin', *users['admin'])
    browser.signed_in()
    assert browser.visible('#nav-admin')
    browser.go('/admin', '#services')
    assert browser.find_all('#services tr[data-host]')
    assert browser.page_errors() == []
