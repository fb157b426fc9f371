"""The flavor a server shows from 2.47: extra specs only to callers the
extra specs index policy allows, as Nova's."""

import pytest
import webob

from consolehub.api import microversion
from consolehub.api.views import servers as server_views
from consolehub import context as consolehub_context
from consolehub import policy
from consolehub.policies import flavors_extra_specs as spec_policies

#: An instance made by size through /instances: no flavor record.
_INSTANCE = {'memory_mb': 256, 'vcpus': 1, 'root_gb': 2}


def _builder(version):
    req = webob.Request.blank('/v2.1/servers')
    req.environ[microversion.ENVIRON_KEY] = microversion.APIVersion(version)
    req.environ['consolehub.context'] = consolehub_context.RequestContext(
        project_id='project-a', user_id='u', roles=['reader'])
    return server_views.ServerViewBuilder(req)


@pytest.fixture
def refuse_extra_specs(monkeypatch):
    # An operator's rule that keeps extra specs from project readers.
    refused = {spec_policies.INDEX}
    allowed = policy.allowed
    monkeypatch.setattr(policy, 'allowed', lambda context, rule, target: (
        rule not in refused and allowed(context, rule, target)))


def test_the_flavor_shows_extra_specs_to_readers(conf_fixture):
    assert _builder('2.47')._flavor(_INSTANCE) == {
        'original_name': 'ch.small', 'ram': 256, 'vcpus': 1, 'disk': 2,
        'ephemeral': 0, 'swap': 0, 'extra_specs': {}}


def test_the_flavor_has_no_extra_specs_the_policy_refuses(
        conf_fixture, refuse_extra_specs):
    flavor = _builder('2.47')._flavor(_INSTANCE)
    assert 'extra_specs' not in flavor
    assert flavor['original_name'] == 'ch.small'


def test_before_247_the_flavor_is_its_id_and_link(conf_fixture):
    flavor = _builder('2.46')._flavor(_INSTANCE)
    assert flavor['id'] == '2'
    assert flavor['links'][0]['href'] == 'http://localhost/flavors/2'
