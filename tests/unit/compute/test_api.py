"""compute.api with a real database and the in-process RPC transport."""

import pytest

from consolehub.compute import api as compute_api
from consolehub.db import api as db_api
from consolehub import exception
from consolehub import rpc


@pytest.fixture
def compute(database, overrides, admin):
    overrides.set('transport_url', 'fake://')
    overrides.set('compute_call_timeout', 1, group='api')
    # A host that sends heartbeats but serves no RPC: calls time out.
    db_api.service_heartbeat(admin, 'silent-host', compute_api.COMPUTE_BINARY,
                             'compute')
    yield compute_api.API()
    rpc.cleanup()


@pytest.fixture
def active(project_a):
    instance = db_api.instance_create(project_a, 'vm', 64, 1, 'silent-host')
    return db_api.instance_update(project_a, instance['uuid'],
                                  {'status': db_api.STATUS_ACTIVE})


def test_console_of_an_instance_being_deleted_is_refused(compute, project_a,
                                                         active):
    deleting = db_api.instance_update(
        project_a, active['uuid'], {'task_state': db_api.TASK_DELETING})
    with pytest.raises(exception.InstanceBeingDeleted) as refused:
        compute.get_console(project_a, deleting, 'vnc', 'novnc')
    assert 'is being deleted' in str(refused.value)
    # The API answers it as any instance in the wrong state: 409.
    assert isinstance(refused.value, exception.InstanceInvalidState)


def test_delete_that_reaches_no_agent_leaves_the_instance_usable(
        compute, project_a, active):
    with pytest.raises(exception.ComputeHostUnavailable):
        compute.delete(project_a, active['uuid'])
    instance = db_api.instance_get(project_a, active['uuid'])
    assert instance['status'] == db_api.STATUS_ACTIVE
    assert instance['task_state'] is None
