import time

import alembic.script
import pytest

from consolehub.db import api_tokens as db_api_tokens
from consolehub.db import services as db_services
from consolehub.db import console_auth_tokens as db_tokens
from consolehub.objects import instance as instance_obj
from consolehub.db import migration
from consolehub import exception


def test_instances_are_scoped_to_their_project(database, project_a,
                                               project_b, admin):
    mine = instance_obj.create(project_a, 'a-vm', 64, 1, 'h1')
    theirs = instance_obj.create(project_b, 'b-vm', 64, 1, 'h1')
    assert [i['uuid'] for i in instance_obj.get_all(project_a, 10)] == [
        mine['uuid']]
    with pytest.raises(exception.InstanceNotFound):
        instance_obj.get(project_a, theirs['uuid'])
    with pytest.raises(exception.InstanceNotFound):
        instance_obj.update(project_a, theirs['uuid'], {'name': 'x'})
    with pytest.raises(exception.InstanceNotFound):
        instance_obj.destroy(project_a, theirs['uuid'])
    assert instance_obj.get(project_b, theirs['uuid'])['name'] == 'b-vm'
    assert {i['uuid'] for i in instance_obj.get_all(admin, 10)} == {
        mine['uuid'], theirs['uuid']}


def test_paging_with_limit_and_marker(database, project_a):
    created = [instance_obj.create(project_a, 'vm%d' % n, 64, 1, 'h')
               for n in range(5)]
    first = instance_obj.get_all(project_a, 2)
    assert [i['uuid'] for i in first] == [c['uuid'] for c in created[:2]]
    rest = instance_obj.get_all(project_a, 10, marker=first[-1]['uuid'])
    assert [i['uuid'] for i in rest] == [c['uuid'] for c in created[2:]]
    with pytest.raises(exception.MarkerNotFound):
        instance_obj.get_all(project_a, 10,
                             marker='00000000-0000-4000-8000-000000000000')


def test_expected_status_guards_the_update(database, project_a):
    instance = instance_obj.create(project_a, 'vm', 64, 1, 'h')
    instance_obj.update(project_a, instance['uuid'], {'status': 'ACTIVE'},
                        expected_status='BUILD')
    with pytest.raises(exception.InstanceInvalidState):
        instance_obj.update(project_a, instance['uuid'],
                            {'status': 'ERROR'}, expected_status='BUILD')
    assert instance_obj.get(project_a,
                            instance['uuid'])['status'] == 'ACTIVE'


def test_destroyed_instances_disappear_with_their_tokens(database,
                                                         project_a, admin):
    instance = instance_obj.create(project_a, 'vm', 64, 1, 'h')
    db_tokens.console_auth_token_create(project_a, 'a' * 64, 'novnc',
                                        '127.0.0.1', 5900, None,
                                        instance['uuid'], 600)
    instance_obj.destroy(project_a, instance['uuid'])
    with pytest.raises(exception.InstanceNotFound):
        instance_obj.get(admin, instance['uuid'])
    assert instance_obj.get_all(admin, 10) == []
    with pytest.raises(exception.InvalidToken):
        db_tokens.console_auth_token_get_valid(admin, 'a' * 64)
    assert instance_obj.count_by_host(admin) == {}


def test_created_token_row_is_the_stored_row(database, project_a, admin):
    instance = instance_obj.create(project_a, 'vm', 64, 1, 'h')
    created = db_tokens.console_auth_token_create(
        project_a, 'e' * 64, 'novnc', '127.0.0.1', 5900, '/relay',
        instance['uuid'], 600)
    stored = db_tokens.console_auth_token_get_valid(admin, 'e' * 64)
    assert created == stored
    assert created['id'] is not None and created['used_at'] is None
    assert 595 < created['expires'] - time.time() <= 600


def test_instance_reads_return_every_column(database, project_a):
    instance = instance_obj.create(project_a, 'vm', 64, 1, 'h')
    assert instance_obj.get(project_a, instance['uuid']) == instance
    assert instance_obj.get_all(project_a, 10) == [instance]
    assert instance_obj.get_all_by_host(project_a, 'h') == [instance]


def test_api_token_lookup_by_hash(database, admin):
    db_api_tokens.api_token_create(
        admin, 'b' * 64, 'p', 'u', ['admin', 'reader'])
    row = db_api_tokens.api_token_get_by_hash(admin, 'b' * 64)
    assert (row['project_id'], row['user_id'], row['roles']) == (
        'p', 'u', 'admin,reader')
    assert db_api_tokens.api_token_get_by_hash(admin, 'c' * 64) is None


def test_services_report_up_and_down(database, admin, conf_fixture,
                                     clock):
    db_services.service_heartbeat(admin, 'h1', 'consolehub-compute', 'compute')
    [service] = db_services.service_get_all(admin, 'consolehub-compute')
    assert service['host'] == 'h1' and service['is_up']
    conf_fixture.config(service_down_time=1)
    clock.advance_time_seconds(1.1)
    [service] = db_services.service_get_all(admin, 'consolehub-compute')
    assert not service['is_up']


def test_db_version_is_head(database):
    scripts = alembic.script.ScriptDirectory.from_config(
        migration.alembic_config_for_consolehub())
    head = scripts.get_current_head()
    assert head is not None
    assert migration.db_version() == head
