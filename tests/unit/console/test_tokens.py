import hashlib
import re
import urllib.parse

import pytest
import sqlalchemy as sa

from consolehub.objects import console_auth_token
from consolehub.db import engine as db_engine
from consolehub.db import console_auth_tokens as db_tokens
from consolehub.objects import instance as instance_obj
from consolehub.db import models
from consolehub import exception

VNC = ('vnc', 'novnc')


@pytest.fixture
def instance(database, project_a):
    return instance_obj.create(project_a, 'vm', 64, 1, 'host-1')


def test_hash_is_sha256_hex():
    assert console_auth_token.hash_token(
        'abc') == hashlib.sha256(b'abc').hexdigest()


def test_access_url_carries_the_token_in_novnc_path(conf_fixture):
    conf_fixture.config(
        novncproxy_base_url='https://proxy.example.org/vnc.html', group='vnc')
    url = console_auth_token.access_url(VNC, 'tok-en_1')
    assert url == ('https://proxy.example.org/vnc.html'
                   '?path=%3Ftoken%3Dtok-en_1')
    path = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)['path']
    assert path == ['?token=tok-en_1']


def test_access_url_keeps_an_existing_query(conf_fixture):
    conf_fixture.config(
        novncproxy_base_url='http://127.0.0.1:6080/vnc.html?autoconnect=true',
        group='vnc')
    assert console_auth_token.access_url(
        VNC, 't').endswith(
        '?autoconnect=true'
        '&path=%3Ftoken%3Dt')


def test_mint_stores_only_the_hash(instance, project_a, admin):
    raw, row = console_auth_token.mint(project_a, VNC, '127.0.0.1', 5901,
                                       instance['uuid'])
    assert re.fullmatch(r'[A-Za-z0-9_-]{43}', raw)
    assert row['token_hash'] == console_auth_token.hash_token(raw)
    with db_engine.get_engine().connect() as connection:
        rows = connection.execute(sa.select(
            models.ConsoleAuthToken.__table__)).mappings().all()
    assert len(rows) == 1
    assert raw not in repr(dict(rows[0]))
    assert rows[0]['console_type'] == 'novnc'
    assert (rows[0]['host'], rows[0]['port']) == ('127.0.0.1', 5901)


def test_validate_redeems_a_fresh_token(instance, project_a, admin):
    raw, _row = console_auth_token.mint(project_a, VNC, '127.0.0.1', 5901,
                                        instance['uuid'])
    row = console_auth_token.validate(admin, raw)
    assert row['instance_uuid'] == instance['uuid']
    assert row['port'] == 5901


def test_ttl_sets_expiry(instance, project_a, conf_fixture):
    conf_fixture.config(token_ttl=42, group='consoleauth')
    _raw, row = console_auth_token.mint(project_a, VNC, '127.0.0.1', 5901,
                                        instance['uuid'])
    created = row['created_at'].timestamp()
    assert 41 <= row['expires'] - int(created) <= 43


@pytest.mark.parametrize('raw', ['', 'x' * 43, 'y' * 300, None])
def test_validate_refuses_unknown_or_malformed(database, admin, raw):
    with pytest.raises(exception.InvalidToken):
        console_auth_token.validate(admin, raw)


def test_validate_refuses_an_expired_token(instance, project_a, admin):
    raw, _row = console_auth_token.mint(project_a, VNC, '127.0.0.1', 5901,
                                        instance['uuid'])
    with db_engine.get_engine().begin() as connection:
        connection.execute(sa.update(models.ConsoleAuthToken).values(
            expires=models.ConsoleAuthToken.expires - 601))
    with pytest.raises(exception.InvalidToken):
        console_auth_token.validate(admin, raw)
    assert db_tokens.console_auth_token_destroy_expired(admin) == 1


def test_validate_refuses_a_deleted_instances_token(instance, project_a,
                                                    admin):
    raw, _row = console_auth_token.mint(project_a, VNC, '127.0.0.1', 5901,
                                        instance['uuid'])
    instance_obj.destroy(project_a, instance['uuid'])
    with pytest.raises(exception.InvalidToken):
        console_auth_token.validate(admin, raw)


def test_destroy_for_instance_drops_only_that_instances_tokens(
        instance, project_a, admin):
    other = instance_obj.create(project_a, 'other', 64, 1, 'host-1')
    raws = [console_auth_token.mint(project_a, VNC, '127.0.0.1', 5900 + n,
                                    instance['uuid'])[0] for n in range(2)]
    kept, _row = console_auth_token.mint(project_a, VNC, '127.0.0.1', 5903,
                                         other['uuid'])
    assert console_auth_token.destroy_for_instance(
        admin, instance['uuid']) == 2
    for raw in raws:
        with pytest.raises(exception.InvalidToken):
            console_auth_token.validate(admin, raw)
    assert console_auth_token.validate(admin, kept)['port'] == 5903
