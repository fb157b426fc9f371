"""Quota limits, usage and the resource hook (consolehub.objects.quota)."""

from oslo_config import cfg
import pytest

from consolehub.conf import CONF
from consolehub import exception
from consolehub.objects import instance as instance_obj
from consolehub.objects import quota


def test_limits_are_defaults_until_set(database, project_a, conf_fixture):
    conf_fixture.config(cores=7, group='quota')
    assert quota.get_limits(project_a, 'project-a') == {
        'instances': 10, 'cores': 7, 'ram': 51200,
        'image_count_total': 100, 'image_size_total': 10240,
        'key_pairs': 100}
    quota.set_limits(project_a, 'project-a', {'instances': 3})
    quota.set_limits(project_a, 'project-a', {'instances': 4, 'ram': -1})
    assert quota.get_limits(project_a, 'project-a') == {
        'instances': 4, 'cores': 7, 'ram': -1,
        'image_count_total': 100, 'image_size_total': 10240,
        'key_pairs': 100}
    assert quota.get_limits(project_a, 'project-b')['instances'] == 10
    quota.reset(project_a, 'project-a')
    assert quota.get_limits(project_a, 'project-a')['instances'] == 10


def test_usage_counts_live_instances_of_the_project(
        database, project_a, project_b):
    doomed = instance_obj.create(project_a, 'a', 128, 2, None)
    instance_obj.create(project_a, 'b', 64, 1, None)
    instance_obj.create(project_b, 'c', 512, 4, None)
    instance_obj.destroy(project_a, doomed['uuid'])
    assert quota.get_usage(project_a, 'project-a') == {
        'instances': 1, 'cores': 1, 'ram': 64,
        'image_count_total': 0, 'image_size_total': 0, 'key_pairs': 0}


def test_unlimited_is_never_exceeded(database, project_a, conf_fixture):
    conf_fixture.config(instances=-1, group='quota')
    conf_fixture.config(ram=100, group='quota')
    instance_obj.create(project_a, 'a', 64, 1, None)
    with pytest.raises(exception.OverQuota) as raised:
        instance_obj.create(project_a, 'b', 64, 1, None)
    assert str(raised.value) == (
        'Quota exceeded for ram: Requested 64, but already used 64 of 100 '
        'ram')
    assert raised.value.code == 403


@pytest.mark.parametrize('limits,error', [
    ({'widgets': 1}, exception.QuotaResourceUnknown),
    ({'instances': -2}, exception.QuotaLimitInvalid),
    ({'instances': quota.MAX_LIMIT + 1}, exception.QuotaLimitInvalid),
])
def test_refused_limits_change_nothing(database, project_a, limits, error):
    with pytest.raises(error):
        quota.set_limits(project_a, 'project-a', dict(limits, cores=1))
    assert quota.get_limits(project_a, 'project-a')['cores'] == 20


def test_limit_below_usage_needs_force(database, project_a):
    instance_obj.create(project_a, 'a', 64, 2, None)
    with pytest.raises(exception.QuotaLimitBelowUsage):
        quota.set_limits(project_a, 'project-a', {'cores': 1})
    quota.set_limits(project_a, 'project-a', {'cores': 1}, force=True)
    assert quota.get_limits(project_a, 'project-a')['cores'] == 1


#: Registered once: oslo.config cannot unregister an option once parsed.
WIDGETS_OPTION = cfg.IntOpt('widgets', default=3)


@pytest.fixture
def widgets():
    """A resource registered as another module would (e.g. image bytes):
    its option, its counter."""
    CONF.register_opt(WIDGETS_OPTION, group='quota')
    counted = {}
    quota.register('widgets', lambda context, project_id: {
        'widgets': counted.get(project_id, 0)})
    yield counted
    quota.unregister('widgets')


def test_another_resource_joins_with_register(database, project_a, widgets):
    assert 'widgets' in quota.resources()
    assert quota.get_limits(project_a, 'project-a')['widgets'] == 3

    def make_two():
        widgets['project-a'] = widgets.get('project-a', 0) + 2
        return 'made'

    assert quota.consume(project_a, 'project-a', {'widgets': 2},
                         make_two) == 'made'
    with pytest.raises(exception.OverQuota) as raised:
        quota.consume(project_a, 'project-a', {'widgets': 2}, make_two)
    assert str(raised.value) == (
        'Quota exceeded for widgets: Requested 2, but already used 2 of 3 '
        'widgets')
    assert widgets['project-a'] == 2
