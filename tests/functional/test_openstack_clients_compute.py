"""Key pairs, server metadata and tags, locks, limits, quotas, usage,
hypervisors and availability zones with the OpenStack clients,
unmodified: the ``openstack`` CLI, python-novaclient and openstacksdk
against ``consolehub-all`` with real (diskless) QEMU guests.

The clients negotiate the highest microversion both sides know, so
these run at our highest (``consolehub.api.microversion.MAX_VERSION``)
unless a client caps a resource lower. The CLI's project commands
(``quota show``, ``quota set``, ``quota delete``, ``usage show``) look
the project up in the identity service, which these deployments do not
have; they get the small identity endpoint of
:mod:`tests.functional.identity_stub` instead.
"""

import base64
import datetime
import hashlib
import os

from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives import serialization
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint
from novaclient import api_versions
from novaclient import client as nova_client
import openstack
import pytest

from consolehub.api import microversion
from tests.functional import openstack_cli
from tests.functional import servers

pytestmark = pytest.mark.skipif(
    not os.path.exists(servers.QEMU_BINARY),
    reason='QEMU (%s) is not installed' % servers.QEMU_BINARY)

#: A uuid of RFC 4122's version 5 (name-based), as services and
#: hypervisors have from 2.53.
UUID5_LENGTH = 36


@pytest.fixture(scope='module')
def deployment(tmp_path_factory):
    with servers.all_in_one(
            str(tmp_path_factory.mktemp('osc-compute'))) as deployment:
        deployment.member_token = deployment.create_token('demo', 'alice')
        deployment.admin_token = deployment.create_token('ops', 'root',
                                                         roles=['admin'])
        yield deployment


@pytest.fixture(scope='module')
def conn(deployment):
    return _sdk(deployment, deployment.member_token)


@pytest.fixture(scope='module')
def guests(deployment, conn):
    """Two ACTIVE servers of project ``demo``, oldest first."""
    made = [conn.compute.create_server(name=name, flavor_id='1',
                                       networks='none')
            for name in ('guest-a', 'guest-b')]
    try:
        yield [conn.compute.wait_for_server(server, status='ACTIVE',
                                            wait=60, interval=0.2)
               for server in made]
    finally:
        for server in made:
            conn.compute.delete_server(server, ignore_missing=True)


_endpoint = openstack_cli.compute_endpoint
_cli = openstack_cli.run
_cli_ok = openstack_cli.run_ok
_cli_json = openstack_cli.run_json


def _sdk(deployment, token):
    return openstack.connect(
        auth_type='admin_token',
        auth={'endpoint': _endpoint(deployment), 'token': token},
        load_yaml_config=False, load_envvars=False)


def _nova(deployment, version='2.latest', token=None):
    auth = token_endpoint.Token(_endpoint(deployment),
                                token or deployment.member_token)
    nova = nova_client.Client('2.1', session=ks_session.Session(auth=auth))
    version = api_versions.discover_version(
        nova, api_versions.APIVersion(version))
    return nova_client.Client(version.get_string(),
                              session=ks_session.Session(auth=auth))


def _md5_fingerprint(public_key):
    """``ssh-keygen -l -E md5`` of an OpenSSH public key line."""
    digest = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()
    return ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2))


# -- key pairs ----------------------------------------------------------------

def test_keypairs_with_the_cli(deployment, tmp_path):
    generated = _cli_ok(deployment, 'keypair', 'create', 'cli-generated')
    assert '-----BEGIN OPENSSH PRIVATE KEY-----' in generated

    public_key = ed25519.Ed25519PrivateKey.generate().public_key(
        ).public_bytes(serialization.Encoding.OpenSSH,
                       serialization.PublicFormat.OpenSSH).decode()
    key_file = tmp_path / 'imported.pub'
    key_file.write_text(public_key + ' someone@example\n')
    imported = _cli_json(deployment, 'keypair', 'create', '--public-key',
                         str(key_file), 'cli-imported')
    assert imported['fingerprint'] == _md5_fingerprint(public_key)
    assert imported['type'] == 'ssh'

    listed = _cli_json(deployment, 'keypair', 'list')
    assert [(k['Name'], k['Type']) for k in listed] == [
        ('cli-generated', 'ssh'), ('cli-imported', 'ssh')]
    shown = _cli_json(deployment, 'keypair', 'show', 'cli-imported')
    assert shown['fingerprint'] == _md5_fingerprint(public_key)
    assert shown['user_id'] == 'alice'
    assert _cli_ok(deployment, 'keypair', 'show', '--public-key',
                   'cli-imported').split()[:2] == public_key.split()

    _cli_ok(deployment, 'keypair', 'delete', 'cli-generated',
            'cli-imported')
    assert _cli_json(deployment, 'keypair', 'list') == []
    missing = _cli(deployment, 'keypair', 'show', 'cli-imported')
    assert missing.returncode == 1


def test_keypairs_with_the_sdk(conn):
    created = conn.compute.create_keypair(name='sdk-generated')
    try:
        # Generated here, below 2.92: the private key comes back once.
        assert created.private_key.startswith('-----BEGIN')
        shown = conn.compute.get_keypair('sdk-generated')
        assert shown.fingerprint == created.fingerprint
        assert shown.public_key == created.public_key
        assert _md5_fingerprint(shown.public_key) == shown.fingerprint
        assert [k.name for k in conn.compute.keypairs()] == [
            'sdk-generated']
    finally:
        conn.compute.delete_keypair('sdk-generated')
    assert list(conn.compute.keypairs()) == []


# -- servers: metadata, tags, lock ------------------------------------------

def test_server_properties_tags_and_lock_with_the_cli(deployment, guests):
    server_id = guests[0].id
    _cli_ok(deployment, 'server', 'set', '--property', 'role=web',
            '--property', 'tier=1', '--tag', 'prod', '--tag', 'blue',
            server_id)
    shown = _cli_json(deployment, 'server', 'show', server_id)
    assert shown['properties'] == {'role': 'web', 'tier': '1'}
    assert sorted(shown['tags']) == ['blue', 'prod']
    # 2.47: the flavor itself.
    assert (shown['flavor']['original_name'], shown['flavor']['ram'],
            shown['flavor']['vcpus']) == ('ch.tiny', 128, 1)

    _cli_ok(deployment, 'server', 'unset', '--property', 'tier', '--tag',
            'prod', server_id)
    shown = _cli_json(deployment, 'server', 'show', server_id)
    assert shown['properties'] == {'role': 'web'}
    assert shown['tags'] == ['blue']
    listed = _cli_json(deployment, 'server', 'list', '--tags', 'blue')
    assert [s['ID'] for s in listed] == [server_id]

    _cli_ok(deployment, 'server', 'lock', server_id)
    assert _cli_json(deployment, 'server', 'show', server_id)['locked']
    refused = _cli(deployment, 'server', 'stop', server_id)
    assert refused.returncode == 1
    assert 'Instance %s is locked' % server_id in refused.stderr
    _cli_ok(deployment, 'server', 'unlock', server_id)
    assert not _cli_json(deployment, 'server', 'show', server_id)['locked']


def test_novaclient_metadata_quotas_and_usage(deployment, guests):
    nova = _nova(deployment)
    assert nova.api_version.get_string() == str(microversion.MAX_VERSION)
    server = nova.servers.get(guests[1].id)
    nova.servers.set_meta(server, {'owner': 'team-a', 'env': 'test'})
    assert nova.servers.get(server.id).metadata == {
        'owner': 'team-a', 'env': 'test'}
    nova.servers.delete_meta(server, ['env'])
    assert nova.servers.get(server.id).metadata == {'owner': 'team-a'}

    quotas = nova.quotas.get('demo').to_dict()
    assert (quotas['instances'], quotas['cores']) == (10, 20)
    assert 'floating_ips' not in quotas      # 2.36
    assert 'injected_files' not in quotas    # 2.57
    assert nova.limits.get().to_dict()['absolute']['totalInstancesUsed'] == 2

    # 2.40: the usage of a project pages by server.
    admin = _nova(deployment, token=deployment.admin_token)
    start = datetime.datetime(2000, 1, 1)
    end = datetime.datetime.utcnow() + datetime.timedelta(days=1)
    first = admin.usage.get('demo', start, end, limit=1)
    assert [u['name'] for u in first.server_usages] == ['guest-a']
    second = admin.usage.get('demo', start, end, limit=1,
                             marker=first.server_usages[0]['instance_id'])
    assert [u['name'] for u in second.server_usages] == ['guest-b']
    assert [u['name'] for u in admin.usage.get(
        'demo', start, end).server_usages] == ['guest-a', 'guest-b']


def test_sdk_quota_set(conn, guests):
    quotas = conn.compute.get_quota_set('demo')
    assert (quotas.instances, quotas.ram, quotas.key_pairs) == (
        10, 51200, 100)


# -- limits, hypervisors, zones, usage ---------------------------------------

def test_limits_hypervisors_zones_and_usage_with_the_cli(deployment,
                                                         guests):
    absolute = {row['Name']: row['Value'] for row in _cli_json(
        deployment, 'limits', 'show', '--absolute')}
    assert absolute['max_total_instances'] == 10
    assert absolute['total_instances_used'] == 2
    assert absolute['total_ram_used'] == 2 * 128
    assert absolute['total_cores_used'] == 2

    [service] = _cli_json(deployment, 'compute', 'service', 'list',
                          token=deployment.admin_token)
    [hypervisor] = _cli_json(deployment, 'hypervisor', 'list',
                             token=deployment.admin_token)
    # 2.53: both by uuid, the hypervisor's its own.
    assert len(service['ID']) == len(hypervisor['ID']) == UUID5_LENGTH
    assert service['ID'] != hypervisor['ID']
    assert hypervisor['Hypervisor Hostname'] == service['Host']
    assert (hypervisor['Hypervisor Type'], hypervisor['State']) == (
        'QEMU', 'up')
    # (``openstack hypervisor show`` also reads .../uptime, which is not
    # served; the SDK reads the hypervisor alone.)
    shown = _sdk(deployment, deployment.admin_token).compute.get_hypervisor(
        hypervisor['ID'])
    assert shown.service_details['id'] == service['ID']
    assert shown.vcpus_used == 2

    assert _cli_json(deployment, 'availability', 'zone', 'list',
                     '--compute') == [{'Zone Name': 'nova',
                                       'Zone Status': 'available'}]

    [usage] = _cli_json(deployment, 'usage', 'list', '--start',
                        '2000-01-01', token=deployment.admin_token)
    assert usage['Project'] == 'demo'
    assert usage['RAM MB-Hours'] > 0


def test_usage_show_with_the_cli(deployment, guests, refusing_identity):
    # Its lookup refused, "usage show" takes the project id as given.
    usage = _cli_json(deployment, 'usage', 'show', '--project', 'demo',
                      '--start', '2000-01-01', token=deployment.admin_token,
                      identity_endpoint=refusing_identity)
    assert usage['Project'] == 'demo'
    assert sorted(s['name'] for s in usage['Servers']) == [
        'guest-a', 'guest-b']
    assert {s['instance_id'] for s in usage['Servers']} == {
        g.id for g in guests}
    assert all(s['hours'] > 0 and s['state'] == 'active'
               for s in usage['Servers'])
    assert usage['CPU Hours'] > 0
    assert usage['RAM MB-Hours'] > 0


# -- quotas ------------------------------------------------------------------

def _compute_quotas(deployment, identity_endpoint, token=None):
    """``openstack quota show --compute demo`` as {resource: limit}."""
    return {row['Resource']: row['Limit'] for row in _cli_json(
        deployment, 'quota', 'show', '--compute', 'demo',
        token=token or deployment.admin_token,
        identity_endpoint=identity_endpoint)}


def test_quota_show_and_set_with_the_cli(deployment,
                                         identity_knowing_demo,
                                         refusing_identity):
    # "quota show/set/delete" use openstacksdk's find_project(...,
    # ignore_missing=False): a refused lookup is an error there, not the
    # id taken as given; so the identity endpoint must show the project.
    refused = _cli(deployment, 'quota', 'show', '--compute', 'demo',
                   token=deployment.admin_token,
                   identity_endpoint=refusing_identity)
    assert refused.returncode == 1
    assert '/v3/projects' in refused.stderr

    quotas = _compute_quotas(deployment, identity_knowing_demo)
    assert (quotas['instances'], quotas['cores'], quotas['ram']) == (
        10, 20, 51200)
    try:
        _cli_ok(deployment, 'quota', 'set', '--instances', '7', '--cores',
                '9', '--ram', '4096', 'demo', token=deployment.admin_token,
                identity_endpoint=identity_knowing_demo)
        quotas = _compute_quotas(deployment, identity_knowing_demo)
        assert (quotas['instances'], quotas['cores'], quotas['ram']) == (
            7, 9, 4096)
        # The same values through the other clients: set, not echoed.
        assert _nova(deployment).quotas.get('demo').instances == 7
        absolute = {row['Name']: row['Value'] for row in _cli_json(
            deployment, 'limits', 'show', '--absolute')}
        assert (absolute['max_total_instances'], absolute['max_total_cores'],
                absolute['max_total_ram_size']) == (7, 9, 4096)
        # The project's member reads its quotas but sets none.
        assert _compute_quotas(deployment, identity_knowing_demo,
                               token=deployment.member_token)[
            'instances'] == 7
        denied = _cli(deployment, 'quota', 'set', '--instances', '50',
                      'demo', identity_endpoint=identity_knowing_demo)
        assert denied.returncode == 1
        assert 'consolehub:os-quota-sets:update' in denied.stderr
    finally:
        _cli_ok(deployment, 'quota', 'delete', '--compute', 'demo',
                token=deployment.admin_token,
                identity_endpoint=identity_knowing_demo)
    quotas = _compute_quotas(deployment, identity_knowing_demo)
    assert (quotas['instances'], quotas['cores'], quotas['ram']) == (
        10, 20, 51200)
