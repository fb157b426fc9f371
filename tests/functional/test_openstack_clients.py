"""The OpenStack clients, unmodified, against a running consolehub.

``consolehub-all`` serves real QEMU guests on 127.0.0.1; python-novaclient
(keystoneauth1's ``token_endpoint.Token``), openstacksdk (the
``admin_token`` auth type) and the ``openstack`` CLI
(``--os-auth-type admin_token``) get a fixed endpoint and an API token,
no Keystone. Each lists and shows servers and gets a console URL whose
token then opens the guest's VNC console through the noVNC proxy; and
administrators create, share, describe with extra specs and delete
flavors with them.
"""

import os

from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint
from novaclient import api_versions
from novaclient import client as nova_client
from novaclient import exceptions as nova_exceptions
import openstack
from openstack import exceptions as sdk_exceptions
import pytest
from websockets.sync import client as ws_client

from consolehub.api import microversion
from tests.functional import rfb
from tests.functional import openstack_cli
from tests.functional import servers
from tests import waiting

pytestmark = pytest.mark.skipif(
    not os.path.exists(servers.QEMU_BINARY),
    reason='QEMU (%s) is not installed' % servers.QEMU_BINARY)

UNKNOWN_ID = '00000000-0000-4000-8000-000000000000'


@pytest.fixture(scope='module')
def deployment(tmp_path_factory):
    with servers.all_in_one(
            str(tmp_path_factory.mktemp('osc'))) as deployment:
        deployment.member_token = deployment.create_token('demo', 'alice')
        deployment.admin_token = deployment.create_token('ops', 'root',
                                                         roles=['admin'])
        yield deployment


_endpoint = openstack_cli.compute_endpoint
_cli = openstack_cli.run
_cli_json = openstack_cli.run_json


def _assert_console_opens(deployment, url):
    """The URL's token opens the guest's VNC server through the proxy."""
    assert url.startswith('http://127.0.0.1:%s/vnc_lite.html?path='
                          % deployment.proxy_port), url
    ws_url = deployment.console_ws_url(servers.novnc_token(url))
    with ws_client.connect(ws_url, open_timeout=10) as websocket:
        assert websocket.recv(timeout=10) == rfb.RFB_BANNER


def _wait_active(get, server_id, timeout=60.0):
    """``get(server_id)`` once the server has left BUILD; ACTIVE."""
    def built():
        server = get(server_id)
        return server if server.status != 'BUILD' else None

    server = waiting.wait_for(built, timeout, interval=0.2,
                              message='server %s leaving BUILD' % server_id)
    assert server.status == 'ACTIVE'
    return server


# -- python-novaclient --------------------------------------------------------

def _nova(deployment, version='2.1', token=None):
    auth = token_endpoint.Token(_endpoint(deployment),
                                token or deployment.member_token)
    return nova_client.Client(version, session=ks_session.Session(auth=auth))


def test_novaclient(deployment):
    nova = _nova(deployment)
    server = nova.servers.create('nova-guest', image=None, flavor='2')
    try:
        # The guest is still starting: Nova's 409.
        with pytest.raises(nova_exceptions.Conflict) as conflict:
            nova.servers.get_vnc_console(server, 'novnc')
        assert 'is in status BUILD' in str(conflict.value)

        server = _wait_active(nova.servers.get, server.id)
        assert server.name == 'nova-guest'
        assert server.flavor['id'] == '2'
        assert server.tenant_id == 'demo'
        assert server.user_id == 'alice'
        assert [s.id for s in nova.servers.list()] == [server.id]
        assert [s.id for s in nova.servers.list(
            search_opts={'name': '^nova-'})] == [server.id]
        assert nova.servers.list(search_opts={'name': 'other'}) == []
        assert [f.name for f in nova.flavors.list()] == [
            'ch.tiny', 'ch.small', 'ch.medium', 'ch.large']

        # 2.1 - 2.5: the os-getVNCConsole action.
        console = nova.servers.get_vnc_console(server, 'novnc')['console']
        assert console['type'] == 'novnc'
        _assert_console_opens(deployment, console['url'])

        # The newest version both sides know: remote-consoles.
        version = api_versions.discover_version(
            nova, api_versions.APIVersion('2.latest'))
        assert version.get_string() == str(microversion.MAX_VERSION)
        nova = _nova(deployment, version.get_string())
        console = nova.servers.get_console_url(server, 'novnc')[
            'remote_console']
        assert (console['protocol'], console['type']) == ('vnc', 'novnc')
        _assert_console_opens(deployment, console['url'])

        with pytest.raises(nova_exceptions.NotFound) as not_found:
            nova.servers.get(UNKNOWN_ID)
        assert 'Instance %s could not be found.' % UNKNOWN_ID in str(
            not_found.value)
        with pytest.raises(nova_exceptions.BadRequest) as bad_request:
            nova.servers.get_console_url(server, 'xvpvnc')
        assert 'Unavailable console type xvpvnc.' in str(bad_request.value)
        with pytest.raises(nova_exceptions.HTTPNotImplemented):
            nova.servers.get_console_url(server, 'rdp-html5')
    finally:
        nova.servers.delete(server.id)
    with pytest.raises(nova_exceptions.NotFound):
        nova.servers.get(server.id)


# -- openstacksdk ------------------------------------------------------------

def _sdk(deployment, token):
    return openstack.connect(
        auth_type='admin_token',
        auth={'endpoint': _endpoint(deployment), 'token': token},
        load_yaml_config=False, load_envvars=False)


def test_openstacksdk(deployment):
    conn = _sdk(deployment, deployment.member_token)
    admin = _sdk(deployment, deployment.admin_token)
    server = conn.compute.create_server(name='sdk-guest', flavor_id='1',
                                        networks='none')
    try:
        with pytest.raises(sdk_exceptions.ConflictException) as conflict:
            conn.compute.create_console(server, 'novnc')
        assert 'is in status BUILD' in str(conflict.value)
        server = conn.compute.wait_for_server(server, status='ACTIVE',
                                              wait=60, interval=0.2)
        assert [s.name for s in conn.compute.servers()] == ['sdk-guest']
        shown = conn.compute.get_server(server.id)
        # From 2.47 the server embeds its flavor, named, without its id.
        assert (shown.name, shown.status, shown.flavor.original_name,
                shown.flavor.ram) == ('sdk-guest', 'ACTIVE', 'ch.tiny', 128)
        # Admins see the host, and every project with all_projects.
        assert admin.compute.get_server(server.id).compute_host
        assert [s.id for s in admin.compute.servers(all_projects=True)] == [
            server.id]

        console = conn.compute.create_console(server, 'novnc')
        assert (console['protocol'], console['type']) == ('vnc', 'novnc')
        # An external proxy (with an admin token) redeems the token.
        token = admin.compute.validate_console_auth_token(
            servers.novnc_token(console['url']))
        assert token.instance_uuid == server.id
        assert token.host == '127.0.0.1'
        assert token.port >= 5900
        with pytest.raises(sdk_exceptions.ForbiddenException):
            conn.compute.validate_console_auth_token(
                servers.novnc_token(console['url']))
        _assert_console_opens(deployment, console['url'])
        # Used once ([consoleauth] single_use), it redeems nothing more.
        with pytest.raises(sdk_exceptions.NotFoundException):
            admin.compute.validate_console_auth_token(
                servers.novnc_token(console['url']))

        with pytest.raises(sdk_exceptions.NotFoundException) as not_found:
            conn.compute.get_server(UNKNOWN_ID)
        assert 'Instance %s could not be found.' % UNKNOWN_ID in str(
            not_found.value)
        with pytest.raises(sdk_exceptions.BadRequestException) as bad:
            conn.compute.create_console(server, 'xvpvnc')
        assert 'Unavailable console type xvpvnc.' in str(bad.value)
        with pytest.raises(sdk_exceptions.NotFoundException):
            admin.compute.validate_console_auth_token('not-a-token')
    finally:
        conn.compute.delete_server(server)
    with pytest.raises(sdk_exceptions.NotFoundException):
        conn.compute.get_server(server.id)


# -- the openstack CLI --------------------------------------------------------

def test_openstack_cli(deployment):
    conn = _sdk(deployment, deployment.member_token)
    server = conn.compute.create_server(name='cli-guest', flavor_id='3',
                                        networks='none')
    try:
        conn.compute.wait_for_server(server, status='ACTIVE', wait=60,
                                     interval=0.2)
        listed = _cli_json(deployment, 'server', 'list')
        assert [(s['ID'], s['Name'], s['Status'], s['Flavor'])
                for s in listed] == [(server.id, 'cli-guest', 'ACTIVE',
                                      'ch.medium')]
        shown = _cli_json(deployment, 'server', 'show', 'cli-guest')
        assert (shown['id'], shown['status'], shown['project_id']) == (
            server.id, 'ACTIVE', 'demo')

        console = _cli_json(deployment, 'console', 'url', 'show',
                            'cli-guest')
        assert console['type'] == 'novnc'
        _assert_console_opens(deployment, console['url'])

        missing = _cli(deployment, 'server', 'show', UNKNOWN_ID)
        assert missing.returncode == 1
        assert 'No Server found for %s' % UNKNOWN_ID in missing.stderr
        refused = _cli(deployment, 'console', 'url', 'show', '--xvpvnc',
                       'cli-guest')
        assert refused.returncode == 1
        assert 'Unavailable console type xvpvnc.' in refused.stderr
    finally:
        conn.compute.delete_server(server)


# -- flavors, with the CLI, novaclient and openstacksdk -----------------------

def test_openstack_cli_flavors(deployment, refusing_identity):
    admin = deployment.admin_token
    created = _cli_json(
        deployment, 'flavor', 'create', '--ram', '192', '--vcpus', '1',
        '--disk', '1', '--private', '--description', 'Made by the CLI',
        '--property', 'hw:cpu_policy=dedicated', 'cli-flavor', token=admin)
    try:
        assert (created['name'], created['ram'], created['vcpus'],
                created['disk'], created['os-flavor-access:is_public'],
                created['description']) == (
            'cli-flavor', 192, 1, 1, False, 'Made by the CLI')
        assert created['properties'] == {'hw:cpu_policy': 'dedicated'}
        flavor_id = created['id']

        # Private: the member's project neither lists nor shows it.
        listed = _cli_json(deployment, 'flavor', 'list')
        assert 'cli-flavor' not in [f['Name'] for f in listed]
        hidden = _cli(deployment, 'flavor', 'show', flavor_id)
        assert hidden.returncode == 1

        changed = _cli(deployment, 'flavor', 'set', '--property',
                       'hw:mem_page_size=large', '--project', 'demo',
                       'cli-flavor', token=admin,
                       identity_endpoint=refusing_identity)
        assert changed.returncode == 0, changed.stderr
        shown = _cli_json(deployment, 'flavor', 'show', flavor_id)
        assert shown['name'] == 'cli-flavor'
        assert shown['properties'] == {'hw:cpu_policy': 'dedicated',
                                       'hw:mem_page_size': 'large'}
        shown = _cli_json(deployment, 'flavor', 'show', 'cli-flavor',
                          token=admin)
        assert shown['access_project_ids'] == ['demo']

        unset = _cli(deployment, 'flavor', 'unset', '--property',
                     'hw:cpu_policy', '--project', 'demo', 'cli-flavor',
                     token=admin, identity_endpoint=refusing_identity)
        assert unset.returncode == 0, unset.stderr
        assert _cli(deployment, 'flavor', 'show', flavor_id).returncode == 1

        # Members delete no flavor, not even one they see.
        refused = _cli(deployment, 'flavor', 'delete', 'ch.tiny')
        assert refused.returncode == 1
        assert 'os_compute_api:os-flavor-manage:delete' in refused.stderr
    finally:
        deleted = _cli(deployment, 'flavor', 'delete', 'cli-flavor',
                       token=admin)
    assert deleted.returncode == 0, deleted.stderr
    assert _cli(deployment, 'flavor', 'show', 'cli-flavor',
                token=admin).returncode == 1


def test_novaclient_and_openstacksdk_flavors(deployment):
    nova = _nova(deployment, '2.61', token=deployment.admin_token)
    flavor = nova.flavors.create('nova-flavor', 256, 1, 2, flavorid='nf1',
                                 is_public=False, description='by nova')
    try:
        assert (flavor.id, flavor.ram, flavor.description) == (
            'nf1', 256, 'by nova')
        flavor.set_keys({'hw:watchdog_action': 'reset'})
        assert flavor.get_keys() == {'hw:watchdog_action': 'reset'}
        nova.flavor_access.add_tenant_access(flavor, 'demo')
        assert [(a.flavor_id, a.tenant_id) for a in
                nova.flavor_access.list(flavor=flavor)] == [('nf1', 'demo')]
        with pytest.raises(nova_exceptions.Conflict):
            nova.flavor_access.add_tenant_access(flavor, 'demo')

        # The member's project boots it through openstacksdk.
        conn = _sdk(deployment, deployment.member_token)
        seen = conn.compute.get_flavor('nf1')
        assert (seen.name, seen.ram, seen.is_public) == (
            'nova-flavor', 256, False)
        server = conn.compute.create_server(name='on-nf1', flavor_id='nf1',
                                            networks='none')
        try:
            server = conn.compute.wait_for_server(
                server, status='ACTIVE', wait=60, interval=0.2)
            # Deleting the flavor leaves its server as it was.
            nova.flavors.delete('nf1')
            with pytest.raises(sdk_exceptions.NotFoundException):
                conn.compute.get_flavor('nf1')
            shown = conn.compute.get_server(server.id)
            assert (shown.status, shown.flavor.name, shown.flavor.ram,
                    shown.flavor.disk) == ('ACTIVE', 'nova-flavor', 256, 0)
            # Before 2.47, the id of the flavor it was made from.
            assert _nova(deployment, token=deployment.admin_token).servers.get(
                server.id).flavor['id'] == 'nf1'
        finally:
            conn.compute.delete_server(server)
    finally:
        try:
            nova.flavors.delete('nf1')
        except nova_exceptions.NotFound:
            pass
    with pytest.raises(nova_exceptions.NotFound):
        nova.flavors.get('nf1')
