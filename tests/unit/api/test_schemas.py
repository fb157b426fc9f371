"""Request schemas: names, sizes, paging and console pairs."""

import pytest
import webob.exc

from consolehub.api.schemas import instance
from consolehub.api.schemas import remote_console
from consolehub.api import util


def _create(**values):
    return {'instance': dict({'name': 'vm'}, **values)}


@pytest.mark.parametrize('name', [
    'a', 'vm 1', 'caf\u00e9', '\u2603', 'a  b', 'x' * 255, 'a-b_c.d',
])
def test_valid_names(conf_fixture, name):
    util.validate(_create(name=name), instance.create())
    util.validate({'instance': {'name': name}}, instance.UPDATE)


@pytest.mark.parametrize('name', [
    '', ' ', ' a', 'a ', '\ta', 'a\n', 'a\tb', 'a\x00b', 'a\x7fb',
    'x' * 256, 42, None,
])
def test_invalid_names(conf_fixture, name):
    with pytest.raises(webob.exc.HTTPBadRequest):
        util.validate(_create(name=name), instance.create())
    with pytest.raises(webob.exc.HTTPBadRequest):
        util.validate({'instance': {'name': name}}, instance.UPDATE)


@pytest.mark.parametrize('values', [
    {'memory_mb': 16}, {'memory_mb': 4096}, {'vcpus': 1}, {'vcpus': 8},
])
def test_sizes_within_default_bounds(conf_fixture, values):
    util.validate(_create(**values), instance.create())


@pytest.mark.parametrize('values', [
    {'memory_mb': 15}, {'memory_mb': 4097}, {'vcpus': 0}, {'vcpus': 9},
    {'memory_mb': 64.0}, {'vcpus': '1'}, {'memory_mb': None},
])
def test_sizes_outside_default_bounds(conf_fixture, values):
    with pytest.raises(webob.exc.HTTPBadRequest):
        util.validate(_create(**values), instance.create())


def test_size_bounds_follow_the_compute_options(conf_fixture):
    conf_fixture.config(max_memory_mb=256, max_vcpus=2, group='compute')
    util.validate(_create(memory_mb=256, vcpus=2), instance.create())
    for values in ({'memory_mb': 257}, {'vcpus': 3}):
        with pytest.raises(webob.exc.HTTPBadRequest):
            util.validate(_create(**values), instance.create())


def test_update_only_renames():
    with pytest.raises(webob.exc.HTTPBadRequest):
        util.validate({'instance': {'name': 'vm', 'vcpus': 2}},
                      instance.UPDATE)


@pytest.mark.parametrize('query', [
    {}, {'limit': '0'}, {'limit': '999999999'},
    {'marker': '9b4f5a36-2e2b-4a8c-9a59-3f4b7c9a2d10'},
    {'limit': '5', 'marker': '9b4f5a36-2e2b-4a8c-9a59-3f4b7c9a2d10'},
])
def test_valid_list_queries(query):
    util.validate(query, instance.list_query())


@pytest.mark.parametrize('query', [
    {'limit': ''}, {'limit': '-1'}, {'limit': '1.5'}, {'limit': '1e3'},
    {'limit': '1000000000'}, {'limit': ' 1'}, {'marker': 'x'},
    {'marker': '9b4f5a362e2b4a8c9a593f4b7c9a2d10'}, {'sort_key': 'name'},
])
def test_invalid_list_queries(query):
    with pytest.raises(webob.exc.HTTPBadRequest):
        util.validate(query, instance.list_query())


@pytest.mark.parametrize('protocol,type_', [
    ('vnc', 'novnc'), ('vnc', 'xvpvnc'), ('spice', 'spice-html5'),
    ('serial', 'serial'), ('rdp', 'rdp-html5'), ('mks', 'webmks'),
    # The schema allows any known names; the handler checks the pair.
    ('vnc', 'serial'),
])
def test_console_schema_accepts_known_names(protocol, type_):
    util.validate({'remote_console': {'protocol': protocol, 'type': type_}},
                  remote_console.CREATE)


@pytest.mark.parametrize('body', [
    {}, {'remote_console': {}}, {'remote_console': {'protocol': 'vnc'}},
    {'remote_console': {'type': 'novnc'}},
    {'remote_console': {'protocol': 'ssh', 'type': 'novnc'}},
    {'remote_console': {'protocol': 'vnc', 'type': 'vnc'}},
    {'remote_console': {'protocol': 'vnc', 'type': 'novnc', 'port': 1}},
    {'remote_console': {'protocol': 'vnc', 'type': 'novnc'}, 'extra': 1},
    {'os-getVNCConsole': {'type': 'novnc'}},
])
def test_console_schema_refuses(body):
    with pytest.raises(webob.exc.HTTPBadRequest):
        util.validate(body, remote_console.CREATE)
