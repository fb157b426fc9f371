"""Invalidating one instance's console tokens."""

import pytest

from consolehub import exception
from consolehub.objects import console_auth_token
from consolehub.objects import instance as instance_obj

NOVNC = ('vnc', 'novnc')


def test_destroy_for_instance_drops_only_that_instance_tokens(
        database, project_a, admin):
    stopped = instance_obj.create(project_a, 'stopped', 64, 1, 'h')
    running = instance_obj.create(project_a, 'running', 64, 1, 'h')
    gone = [console_auth_token.mint(admin, NOVNC, '127.0.0.1', 5900 + n,
                                    stopped['uuid'])[0] for n in range(2)]
    kept, _row = console_auth_token.mint(admin, NOVNC, '127.0.0.1', 5910,
                                         running['uuid'])

    assert console_auth_token.destroy_for_instance(
        admin, stopped['uuid']) == 2

    for raw_token in gone:
        with pytest.raises(exception.InvalidToken):
            console_auth_token.validate(admin, raw_token)
    assert console_auth_token.validate(admin, kept)['instance_uuid'] == (
        running['uuid'])
    # The instance itself stays: only its tokens went.
    assert instance_obj.get(admin, stopped['uuid'])['name'] == 'stopped'
    assert console_auth_token.destroy_for_instance(
        admin, stopped['uuid']) == 0
