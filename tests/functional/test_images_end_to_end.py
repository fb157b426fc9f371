"""Guests that boot Linux: the default image end to end on real QEMU.

``consolehub-all`` runs with serial consoles enabled. openstacksdk
uploads the default image (tools/build-default-image.sh) through the
image API; the ``openstack`` CLI boots a server from it (``server create
--image ... --flavor ch.tiny --wait``); a websocket client on the
server's serial console gets the shell prompt and runs ``echo``; headless
Chromium opens the noVNC console and types a command into the VGA
console whose output arrives on the serial port, which only a running
Linux can do (a diskless guest's screen says "No bootable device").
Then a snapshot (``openstack server image create``) boots a second
server, python-glanceclient reads and changes the images, and deleting
the servers leaves no disk behind.
"""

import hashlib
import json
import os
import secrets
import subprocess
import time

import openstack
import pytest

from tests.functional import guest_shell
from tests.functional import qemu_guest
from tests.functional import servers

pytestmark = pytest.mark.skipif(
    not os.path.exists(servers.QEMU_BINARY),
    reason='QEMU (%s) is not installed' % servers.QEMU_BINARY)

#: Seconds from the server's creation to its shell prompt under TCG,
#: with other tests on the same two CPUs.
BOOT_TIMEOUT = 240
IMAGE_NAME = 'consolehub-default'


@pytest.fixture(scope='module')
def default_image():
    build = qemu_guest.build_default_image()
    assert build.returncode == 0, build.stdout + build.stderr
    return qemu_guest.DEFAULT_IMAGE


@pytest.fixture(scope='module')
def deployment(tmp_path_factory):
    state_path = str(tmp_path_factory.mktemp('images'))
    serial_port = servers.free_port()
    low = 20000 + (os.getpid() + 7000) % 20000
    options = {
        'serial_console': {'enabled': 'true',
                           'serialproxy_port': str(serial_port),
                           'base_url': 'ws://127.0.0.1:%d/' % serial_port,
                           'port_range': '%d:%d' % (low, low + 100)},
    }
    with servers.all_in_one(state_path, options,
                            (serial_port,)) as deployment:
        deployment.serial_port = serial_port
        deployment.member_token = deployment.create_token('demo', 'alice')
        yield deployment


def _compute_endpoint(deployment):
    return deployment.api_url + '/v2.1'


def _image_endpoint(deployment):
    return deployment.api_url + '/image'


def _sdk(deployment):
    return openstack.connect(
        auth_type='admin_token',
        auth={'endpoint': _compute_endpoint(deployment),
              'token': deployment.member_token},
        image_endpoint_override=_image_endpoint(deployment),
        load_yaml_config=False, load_envvars=False)


def _cli(deployment, *args, **kwargs):
    """``openstack ARGS -f json`` as a user configures it for consolehub
    (the README's variables); returns the parsed output. With
    ``json_output=False`` no ``-f json``, for commands that print
    nothing."""
    endpoint = _compute_endpoint(deployment)
    env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
           'HOME': deployment.state_path,
           'OS_AUTH_TYPE': 'admin_token', 'OS_TOKEN': deployment.member_token,
           'OS_ENDPOINT': endpoint,
           'OS_IDENTITY_API_VERSION': '3',
           'OS_IDENTITY_ENDPOINT_OVERRIDE': endpoint,
           'OS_IMAGE_ENDPOINT_OVERRIDE': _image_endpoint(deployment)}
    output = ['-f', 'json'] if kwargs.get('json_output', True) else []
    process = subprocess.run(
        [os.path.join(servers.BIN_DIR, 'openstack')] + list(args) + output,
        env=env, capture_output=True, text=True, timeout=BOOT_TIMEOUT + 60)
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout) if process.stdout.strip() else None


def _md5(path):
    with open(path, 'rb') as data:
        return hashlib.md5(data.read()).hexdigest()


@pytest.fixture(scope='module')
def image(deployment, default_image):
    """The default image, uploaded with openstacksdk."""
    conn = _sdk(deployment)
    image = conn.image.create_image(
        name=IMAGE_NAME, filename=default_image, disk_format='qcow2',
        container_format='bare', min_ram=128, validate_checksum=True,
        allow_duplicates=True)
    image = conn.image.get_image(image.id)
    assert image.status == 'active'
    assert image.checksum == _md5(default_image)
    assert image.size == os.path.getsize(default_image)
    assert image.min_ram == 128
    return image


def _shell_works(api, server_id):
    with guest_shell.SerialShell(guest_shell.serial_url(
            api, server_id)) as shell:
        started = time.monotonic()
        shell.prompt(BOOT_TIMEOUT)
        print('prompt after %.1f s more' % (time.monotonic() - started))
        shell.echo('word-' + secrets.token_hex(6))
        return shell.text()


@pytest.fixture(scope='module')
def server(deployment, api, image):
    """A server of the default image made by the openstack CLI."""
    started = time.monotonic()
    server = _cli(deployment, 'server', 'create', '--image', IMAGE_NAME,
                  '--flavor', 'ch.tiny', '--wait', 'linux-1')
    print('openstack server create --wait: %.1f s'
          % (time.monotonic() - started))
    assert server['status'] == 'ACTIVE'
    yield server
    api.request('DELETE', '/v2.1/servers/' + server['id'])


def test_the_cli_boots_the_default_image_to_a_serial_shell(
        deployment, api, image, server):
    assert server['image'].startswith(IMAGE_NAME)
    # From 2.47 the CLI shows the flavor embedded in the server.
    assert (server['flavor']['original_name'], server['flavor']['ram'],
            server['flavor']['disk']) == ('ch.tiny', 128, 1)
    text = _shell_works(api, server['id'])
    # The image's banner names the guest by the server's id.
    assert 'consolehub guest %s on /dev/ttyS0' % server['id'] in text
    disk = os.path.join(deployment.state_path, 'instances', server['id'],
                        'disk')
    info = json.loads(subprocess.run(
        [qemu_guest.QEMU_IMG, 'info', '-U', '--output=json', disk],
        check=True, capture_output=True, text=True).stdout)
    # A 1 GiB copy-on-write overlay of the cached, verified image.
    assert info['virtual-size'] == 1024 ** 3
    assert info['backing-filename'] == os.path.join(
        deployment.state_path, '_base', image.id)


@servers.needs_chromium
def test_the_browser_console_shows_a_linux_shell(deployment, api, server,
                                                 tmp_path):
    """Typed into noVNC, ``echo WORD >/dev/ttyS0`` runs in the VGA
    console's shell and WORD comes out of the serial port."""
    from selenium.webdriver.common import action_chains
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import ui

    word = 'vga' + secrets.token_hex(5)
    shell = guest_shell.SerialShell(guest_shell.serial_url(api,
                                                           server['id']))
    driver = servers.chromium(tmp_path / 'chromium')
    try:
        shell.prompt(BOOT_TIMEOUT)
        driver.get(api.console_url(server['id']))
        ui.WebDriverWait(driver, 30).until(
            lambda d: d.find_element('id', 'status').text.startswith(
                'Connected'))
        canvas = driver.find_element('css selector', '#screen canvas')
        ui.WebDriverWait(driver, 30).until(
            lambda d: canvas.size['width'] >= 640)
        canvas.click()
        start = len(shell.received)
        deadline = time.monotonic() + 60
        while word not in shell.text(start):
            if time.monotonic() > deadline:
                driver.get_screenshot_as_file(str(tmp_path / 'console.png'))
                raise AssertionError(
                    'the VGA console never ran the command; it shows %s'
                    % (tmp_path / 'console.png'))
            # Shift pressed as a key of its own: noVNC sends QEMU the
            # key codes, and ">" and "S" are shifted keys.
            actions = action_chains.ActionChains(driver)
            actions.send_keys(Keys.ENTER, 'echo %s ' % word)
            actions.key_down(Keys.SHIFT).send_keys('.').key_up(Keys.SHIFT)
            actions.send_keys('/dev/tty')
            actions.key_down(Keys.SHIFT).send_keys('s').key_up(Keys.SHIFT)
            actions.send_keys('0', Keys.ENTER)
            actions.perform()
            try:
                shell.read_until(word, 5, start)
            except AssertionError:
                pass
        # Kept for whoever wants to see the guest's screen.
        driver.get_screenshot_as_file(str(tmp_path / 'console.png'))
    finally:
        driver.quit()
        shell.close()


def test_a_snapshot_boots_a_second_server(deployment, api, server):
    snapshot = _cli(deployment, 'server', 'image', 'create', '--name',
                    'linux-snapshot', '--wait', server['id'])
    shown = _cli(deployment, 'image', 'show', snapshot['id'])
    assert shown['status'] == 'active'
    assert shown['properties']['image_type'] == 'snapshot'
    assert shown['properties']['instance_uuid'] == server['id']
    second = _cli(deployment, 'server', 'create', '--image',
                  'linux-snapshot', '--flavor', 'ch.tiny', '--wait',
                  'linux-2')
    try:
        assert second['status'] == 'ACTIVE'
        text = _shell_works(api, second['id'])
        assert 'consolehub guest %s' % second['id'] in text
    finally:
        api.request('DELETE', '/v2.1/servers/' + second['id'])


def test_glanceclient_reads_and_changes_images(deployment, image,
                                               default_image, tmp_path):
    from glanceclient import client as glance_client

    glance = glance_client.Client('2', endpoint=_image_endpoint(deployment),
                                  token=deployment.member_token)
    assert IMAGE_NAME in [found['name'] for found in glance.images.list()]
    data = b''.join(glance.images.data(image.id))
    assert hashlib.md5(data).hexdigest() == _md5(default_image)

    small = str(tmp_path / 'small.qcow2')
    subprocess.run([qemu_guest.QEMU_IMG, 'create', '-q', '-f', 'qcow2',
                    small, '16M'], check=True)
    created = glance.images.create(name='glance-small', disk_format='qcow2',
                                   container_format='bare', purpose='test')
    with open(small, 'rb') as source:
        glance.images.upload(created['id'], source)
    shown = glance.images.get(created['id'])
    assert (shown['status'], shown['checksum']) == ('active', _md5(small))
    glance.images.update(created['id'], name='glance-renamed',
                         remove_props=['purpose'])
    shown = glance.images.get(created['id'])
    assert shown['name'] == 'glance-renamed'
    assert 'purpose' not in shown
    glance.images.delete(created['id'])
    assert 'glance-renamed' not in [found['name'] for found in
                                    glance.images.list()]


def test_the_cli_uploads_an_image(deployment, default_image):
    created = _cli(deployment, 'image', 'create', '--file', default_image,
                   '--disk-format', 'qcow2', '--min-ram', '128', 'cli-image')
    assert created['status'] == 'active'
    listed = _cli(deployment, 'image', 'list')
    assert 'cli-image' in [row['Name'] for row in listed]
    _cli(deployment, 'image', 'delete', 'cli-image', json_output=False)
    assert 'cli-image' not in [row['Name'] for row in
                               _cli(deployment, 'image', 'list')]


def test_delete_leaves_no_disk_behind(deployment, api, image):
    server = _cli(deployment, 'server', 'create', '--image', IMAGE_NAME,
                  '--flavor', 'ch.tiny', '--wait', 'short-lived')
    instance_dir = os.path.join(deployment.state_path, 'instances',
                                server['id'])
    assert os.path.exists(os.path.join(instance_dir, 'disk'))
    response = api.request('DELETE', '/v2.1/servers/' + server['id'])
    assert response.status_code == 204
    assert not os.path.exists(instance_dir)
    assert not servers.qemu_runs('guest=instance-' + server['id'])
    # The verified copy of the image stays cached for the next server.
    assert os.path.exists(os.path.join(deployment.state_path, '_base',
                                       image.id))
