"""Horizon, unmodified, on consolehub: launching an instance and its life.

As ``demo`` in headless Chromium (see test_horizon): Launch Instance on
Project > Compute > Instances, the wizard filled in as a user does
(Details: a name; Source: Image, the image this module uploads; Flavor:
``ch.tiny``; the Networks, Network Ports and Security Groups steps are not
offered, Horizon hides them in a cloud without a ``network`` service),
then the instance reaching Active in the table; then, from the instance
row's actions, confirming in Horizon's dialog where it asks (all but
Start): Shut Off, Start, Soft Reboot, Hard Reboot and Delete, each
ending in the status the table and the compute API must show. A flow
fails on any error message Horizon shows (but
:data:`browser.NO_NEUTRON`).

The flows share one instance and run in order. Each leaves a screenshot
``flow-*.png`` in the artefacts directory (see conftest).
"""

import subprocess

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import ui

from tests.functional.horizon import browser as horizon_browser

INSTANCE_NAME = 'horizon-launched'
IMAGE_NAME = 'horizon-flows-blank'
FLAVOR_NAME = 'ch.tiny'
INSTANCES = '/project/instances/'
#: Seconds an instance gets to reach a status.
STATUS_TIMEOUT = 120

#: Row actions in the order they run: Horizon's action name, whether
#: Horizon asks for confirmation, the status the table shows after it
#: (Horizon's words) and the API's.
ROW_ACTIONS = [
    ('stop', True, 'Shutoff', 'SHUTOFF'),
    ('start', False, 'Active', 'ACTIVE'),
    ('soft_reboot', True, 'Active', 'ACTIVE'),
    ('reboot', True, 'Active', 'ACTIVE'),
]


@pytest.fixture(scope='module')
def image(cloud, tmp_path_factory):
    """A blank 16 MiB qcow2 image of project demo, uploaded through
    consolehub's image API: its id."""
    path = str(tmp_path_factory.mktemp('image') / 'blank.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', path, '16M'],
                   check=True)
    image_id = cloud.upload_image('demo', IMAGE_NAME, path)
    yield image_id
    cloud.api('demo').request('DELETE', '/image/v2/images/' + image_id)


@pytest.fixture(scope='module')
def launched(cloud):
    """What the flows share: ``{'id': the launched instance's id}`` once
    Launch Instance has made it."""
    state = {}
    yield state
    if 'id' in state:
        cloud.api('demo').request('DELETE', '/v2.1/servers/' + state['id'])


def _wizard_allocate(browser, name):
    """In the wizard's current step, move the available row showing
    ``name`` to the allocated table (its arrow-up button)."""
    button = browser.wait_until(
        lambda: browser.driver.find_elements(
            By.XPATH, '//div[contains(@class, "modal")]//tr[.//td['
            'normalize-space()="%s"]]//button[contains(@class, '
            '"fa-arrow-up")]' % name),
        '%s among the available rows' % name)
    button[0].click()


def _wizard_next(browser):
    browser.visible('.modal-dialog button.next').click()


def _wait_for_row(browser, instance_id, status):
    """Wait until the instances table shows ``status`` and no task for
    ``instance_id`` (Horizon updates the rows of instances in a task)."""

    def settled():
        return (browser.table_cell('instances', instance_id, 'Status'),
                browser.table_cell('instances', instance_id, 'Task'))

    browser.wait_until(lambda: settled() == (status, 'None'),
                       'instance %s to show %s and no task (shows %s)' % (
                           instance_id, status, settled()),
                       STATUS_TIMEOUT)


def _assert_no_errors(browser):
    errors = [text for text in browser.alert_texts()
              if not any(part in text for part in horizon_browser.NO_NEUTRON)]
    assert errors == []


def test_launch_instance(browser, cloud, image, launched):
    browser.open(INSTANCES, 'demo')
    mark = cloud.access_log.mark()
    browser.driver.find_element(By.CSS_SELECTOR, 'a.btn-launch').click()
    browser.wait_quiet(mark)
    name = browser.wait_until(lambda: browser.visible('.modal-dialog #name'),
                              'the Launch Instance wizard')
    name.send_keys(INSTANCE_NAME)
    steps = [element.text for element in browser.driver.find_elements(
        By.CSS_SELECTOR, '.modal-dialog .wizard-nav li') if element.text]
    assert not {'Networks', 'Network Ports', 'Security Groups'} & set(
        steps), steps
    _wizard_next(browser)

    source = ui.Select(browser.wait_until(
        lambda: browser.visible('.modal-dialog #boot-source-type'),
        'the Source step'))
    if source.first_selected_option.text != 'Image':
        source.select_by_visible_text('Image')
    _wizard_allocate(browser, IMAGE_NAME)
    _wizard_next(browser)
    _wizard_allocate(browser, FLAVOR_NAME)
    browser.screenshot('flow-launch-instance')
    _assert_no_errors(browser)

    calls = browser.load(browser.visible('.modal-dialog button.finish').click,
                         tolerate=horizon_browser.NO_NEUTRON)
    assert [call for call in calls if call[:2] == ('POST', '/v2.1/servers')
            ] == [('POST', '/v2.1/servers', 202)], calls
    row = browser.wait_until(
        lambda: browser.driver.find_elements(
            By.CSS_SELECTOR, '#instances tr[data-display="%s"]'
            % INSTANCE_NAME), 'the launched instance in the table')
    launched['id'] = row[0].get_attribute('data-object-id')
    _wait_for_row(browser, launched['id'], 'Active')
    browser.screenshot('flow-launched')
    _assert_no_errors(browser)
    api = cloud.api('demo')
    flavors = api.request('GET', '/v2.1/flavors').json()['flavors']
    server = api.request(
        'GET', '/v2.1/servers/' + launched['id']).json()['server']
    assert (server['status'], server['image']['id'],
            server['flavor']['id']) == (
                'ACTIVE', image, next(flavor['id'] for flavor in flavors
                                      if flavor['name'] == FLAVOR_NAME))


@pytest.mark.parametrize('action, confirm, status, api_status', ROW_ACTIONS,
                         ids=[row[0] for row in ROW_ACTIONS])
def test_row_action(browser, cloud, launched, action, confirm, status,
                    api_status):
    if 'id' not in launched:
        pytest.skip('Launch Instance made no instance')
    instance_id = launched['id']
    browser.open(INSTANCES, 'demo')
    calls = browser.row_action('instances', instance_id, action, confirm)
    path = '/v2.1/servers/%s/action' % instance_id
    assert ('POST', path, 202) in calls, calls
    _assert_no_errors(browser)
    _wait_for_row(browser, instance_id, status)
    browser.screenshot('flow-' + action)
    _assert_no_errors(browser)
    api = cloud.api('demo')
    server = api.wait_for_status(instance_id, api_status)
    assert server['status'] == api_status


def test_delete(browser, cloud, launched):
    if 'id' not in launched:
        pytest.skip('Launch Instance made no instance')
    instance_id = launched['id']
    browser.open(INSTANCES, 'demo')
    calls = browser.row_action('instances', instance_id, 'delete', True)
    assert ('DELETE', '/v2.1/servers/' + instance_id, 204) in calls, calls
    _assert_no_errors(browser)
    browser.wait_until(
        lambda: browser.table_cell('instances', instance_id,
                                   'Status') is None,
        'the row of %s to go' % instance_id, STATUS_TIMEOUT)
    browser.screenshot('flow-delete')
    _assert_no_errors(browser)
    api = cloud.api('demo')
    browser.wait_until(
        lambda: api.request('GET', '/v2.1/servers/' +
                            instance_id).status_code == 404,
        'the API to forget %s' % instance_id, STATUS_TIMEOUT)
    del launched['id']
