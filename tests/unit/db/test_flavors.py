"""Flavors in the database: the built-ins ``db sync`` makes, who sees a
private flavor, and what deleting one keeps."""

import pytest

from consolehub import exception
from consolehub.objects import flavor as flavor_obj


def _sizes(flavors):
    return [(f['flavorid'], f['name'], f['memory_mb'], f['vcpus'],
             f['root_gb']) for f in flavors]


def test_db_sync_creates_the_four_built_in_flavors(database, project_a):
    flavors = flavor_obj.get_all(project_a)
    assert _sizes(flavors) == [tuple(built_in)
                               for built_in in flavor_obj.BUILT_IN]
    for flavor in flavors:
        assert (flavor['is_public'], flavor['disabled'], flavor['swap'],
                flavor['ephemeral_gb'], flavor['rxtx_factor'],
                flavor['description']) == (True, False, 0, 0, 1.0, None)


def test_a_private_flavor_is_seen_by_admins_and_its_projects(
        database, admin, project_a, project_b):
    flavor_obj.create(admin, 'secret', 64, 1, 0, flavorid='s1',
                      is_public=False)
    flavor_obj.add_access(admin, 's1', 'project-a')
    assert flavor_obj.get(project_a, 's1')['name'] == 'secret'
    assert flavor_obj.get(admin, 's1')['name'] == 'secret'
    with pytest.raises(exception.FlavorNotFound):
        flavor_obj.get(project_b, 's1')
    assert 's1' in [f['flavorid'] for f in flavor_obj.get_all(project_a)]
    assert 's1' not in [f['flavorid'] for f in flavor_obj.get_all(project_b)]
    # Admins see it only when they ask for private ones (is_public).
    assert 's1' not in [f['flavorid'] for f in flavor_obj.get_all(admin)]
    assert [f['flavorid'] for f in flavor_obj.get_all(
        admin, is_public=False)] == ['s1']
    with pytest.raises(exception.FlavorAccessExists):
        flavor_obj.add_access(admin, 's1', 'project-a')
    assert flavor_obj.remove_access(admin, 's1', 'project-a') == []
    with pytest.raises(exception.FlavorNotFound):
        flavor_obj.get(project_a, 's1')


def test_a_deleted_flavor_frees_its_id_and_name(
        database, admin, project_a):
    flavor_obj.create(admin, 'gone', 64, 1, 0, flavorid='g1')
    flavor_obj.update_extra_specs(admin, 'g1', {'hw:cpu_policy': 'shared'})
    with pytest.raises(exception.FlavorIdExists):
        flavor_obj.create(admin, 'other', 64, 1, 0, flavorid='g1')
    with pytest.raises(exception.FlavorExists):
        flavor_obj.create(admin, 'gone', 64, 1, 0, flavorid='g2')
    flavor_obj.destroy(admin, 'g1')
    with pytest.raises(exception.FlavorNotFound):
        flavor_obj.get(admin, 'g1')
    with pytest.raises(exception.FlavorNotFound):
        flavor_obj.destroy(admin, 'g1')
    again = flavor_obj.create(admin, 'gone', 128, 1, 0, flavorid='g1')
    assert flavor_obj.extra_specs(admin, 'g1') == {}
    assert again['memory_mb'] == 128


def test_an_instance_shows_the_flavor_it_was_made_from():
    made = {'flavor_id': 'abc', 'flavor_name': 'ABC', 'memory_mb': 128,
            'vcpus': 1}
    assert flavor_obj.flavor_id_of(made) == 'abc'
    assert flavor_obj.flavor_name_of(made) == 'ABC'
    # Made by size through /instances: the built-in of that size, if any.
    by_size = dict(made, flavor_id=None, flavor_name=None)
    assert flavor_obj.flavor_id_of(by_size) == '1'
    assert flavor_obj.flavor_name_of(by_size) == 'ch.tiny'
    odd = {'flavor_id': None, 'flavor_name': None, 'memory_mb': 96,
           'vcpus': 3}
    assert flavor_obj.flavor_id_of(odd) == 'custom-96-3'
    assert flavor_obj.flavor_name_of(odd) == 'custom-96-3'


def test_every_sort_key_pages_past_every_marker(database, admin):
    """Each page after a marker is the rest of the full sorted list."""
    flavor_obj.create(admin, 'described', 64, 1, 0, flavorid='d1',
                      description='x', is_public=False)
    for key in flavor_obj.SORT_KEYS:
        for direction in ('asc', 'desc'):
            ids = [f['flavorid'] for f in flavor_obj.get_all(
                admin, is_public=None, sort_key=key, sort_dir=direction)]
            assert sorted(ids) == ['1', '2', '3', '4', 'd1']
            for index, marker in enumerate(ids):
                after = flavor_obj.get_all(
                    admin, is_public=None, sort_key=key, sort_dir=direction,
                    marker=marker)
                assert [f['flavorid'] for f in after] == ids[index + 1:], (
                    key, direction, marker)
