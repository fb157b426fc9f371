"""The default policy: personas, implied roles, deprecated aliases."""

import pytest

from consolehub import context as consolehub_context
from consolehub import exception
from consolehub import policy
from consolehub.policies import instances as instance_policies

INDEX = instance_policies.PREFIX % 'index'
CREATE = instance_policies.PREFIX % 'create'
TARGET = {'project_id': 'project-a'}


def _context(*roles, project_id='project-a'):
    return consolehub_context.RequestContext(
        project_id=project_id, user_id='u', roles=list(roles))


@pytest.fixture
def enforcer(conf_fixture):
    policy._ENFORCER = None
    yield policy.get_enforcer()
    policy._ENFORCER = None


@pytest.mark.parametrize('roles,can_read,can_change', [
    ((), False, False),
    (('reader',), True, False),
    (('member',), True, True),      # member implies reader
    (('admin',), True, True),       # admin implies member and reader
])
def test_personas_of_the_owning_project(enforcer, roles, can_read,
                                        can_change):
    context = _context(*roles)
    assert policy.allowed(context, INDEX, TARGET) is can_read
    assert policy.allowed(context, CREATE, TARGET) is can_change


def test_another_projects_member_is_refused_and_an_admin_is_not(enforcer):
    assert not policy.allowed(_context('member', project_id='b'), INDEX,
                              TARGET)
    assert policy.allowed(_context('admin', project_id='b'), INDEX, TARGET)
    with pytest.raises(exception.PolicyNotAuthorized) as error:
        policy.authorize(_context('reader'), CREATE, TARGET)
    assert error.value.code == 403


def test_old_defaults_apply_when_new_ones_are_not_enforced(conf_fixture,
                                                           enforcer):
    # The deprecated alias (owner or admin) lets a project token with no
    # known role through only when the operator asks for the old rules.
    assert not policy.allowed(_context('observer'), INDEX, TARGET)
    conf_fixture.config(enforce_new_defaults=False, group='oslo_policy')
    policy._ENFORCER = None
    assert policy.allowed(_context('observer'), INDEX, TARGET)
    assert policy.allowed(_context('observer'), CREATE, TARGET)


def test_every_rule_is_project_scoped_and_documented():
    from consolehub import policies
    for rule in policies.list_rules():
        if hasattr(rule, 'operations'):
            assert rule.scope_types == ['project'], rule.name
            assert rule.description and rule.operations, rule.name
