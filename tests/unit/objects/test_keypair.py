"""Key pairs: Nova's name rules, fingerprints, generation, and the
key_pairs quota counted per user."""

import pytest

from consolehub import context as consolehub_context
from consolehub import exception
from consolehub.objects import keypair
from consolehub.objects import quota

#: ssh-keygen -l -E md5 shows 52:e0:d1:fa:... for this key.
ED25519 = ('ssh-ed25519 '
           'AAAAC3NzaC1lZDI1NTE5AAAAIOhTnq4kebY5p/'
           'eS1jhVjzOdt5MolwnlrwS3HPW0Z3ve '
           'gabbi@example')


@pytest.mark.parametrize('name', ['a', 'my key', 'key_1-2', 'k' * 255])
def test_safe_names(name):
    keypair.validate_name(name)


@pytest.mark.parametrize('name', ['a.b', 'a/b', 'é', 'a@b', '', 'k' * 256])
def test_unsafe_or_badly_sized_names(name):
    with pytest.raises(exception.InvalidKeypair):
        keypair.validate_name(name)


def test_ssh_fingerprint_is_the_md5_of_the_key_blob():
    assert keypair.ssh_fingerprint(ED25519) == (
        '52:e0:d1:fa:4e:c1:20:27:5a:8e:79:4a:c7:10:38:0f')


@pytest.mark.parametrize('text', ['', 'ssh-rsa', 'ssh-rsa !!!',
                                  'not a key at all'])
def test_a_key_that_does_not_parse_is_invalid(text):
    with pytest.raises(exception.InvalidKeypair) as raised:
        keypair.ssh_fingerprint(text)
    assert str(raised.value) == (
        'Keypair data is invalid: failed to generate fingerprint')


@pytest.mark.parametrize('key_type', keypair.TYPES)
def test_a_generated_pair_has_a_fingerprint_of_its_type(key_type):
    private_key, public_key = keypair.generate(key_type, 'alice')
    assert private_key.startswith('-----BEGIN RSA PRIVATE KEY-----')
    octets = keypair.fingerprint(public_key, key_type).split(':')
    assert len(octets) == (16 if key_type == keypair.SSH else 20)


def test_the_quota_counts_each_user_apart(database, conf_fixture):
    conf_fixture.config(key_pairs=1, group='quota')
    alice = consolehub_context.RequestContext(project_id='p', user_id='a')
    bob = consolehub_context.RequestContext(project_id='p', user_id='b')
    keypair.create(alice, 'a', 'one', public_key=ED25519)
    keypair.create(bob, 'b', 'one', public_key=ED25519)
    with pytest.raises(exception.KeypairLimitExceeded):
        keypair.create(alice, 'a', 'two', public_key=ED25519)
    assert quota.get_usage(alice, 'p', ['key_pairs'], user_id='a') == {
        'key_pairs': 1}
    # A project's usage: key pairs belong to users, as Nova shows.
    assert quota.get_usage(alice, 'p', ['key_pairs']) == {'key_pairs': 0}


def test_a_name_is_unique_per_user(database, project_a):
    keypair.create(project_a, 'alice', 'k', public_key=ED25519)
    with pytest.raises(exception.KeyPairExists):
        keypair.create(project_a, 'alice', 'k', public_key=ED25519)
    keypair.create(project_a, 'bob', 'k', public_key=ED25519)
    assert [row['user_id'] for row in (
        keypair.get(project_a, 'alice', 'k'),
        keypair.get(project_a, 'bob', 'k'))] == ['alice', 'bob']
