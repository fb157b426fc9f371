"""A compute agent killed (SIGKILL) on RabbitMQ and PostgreSQL: the API
answers 503 within 5 s, long before the agent's heartbeat goes stale,
and the agent, restarted, leaves no instance in a task.

The agent runs :class:`tests.lifecycle_drivers.FaultDriver`, which hangs
at the step the test names, so that the kill lands mid-build, mid-delete
or mid-stop; its guests are real (diskless) QEMU guests. The time of
each 503 is printed (``pytest -s``).
"""

import os
import threading
import time

import pytest

from consolehub.compute import recovery
from tests import lifecycle_drivers
from tests import waiting
from tests.functional import databases
from tests.functional import servers
from tests.functional import stack as stack_lib

pytestmark = stack_lib.NEEDS_GUESTS

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
#: What the issue asks of a dead agent's answer, in seconds.
DEAD_AGENT_ANSWER = 5


class _Services(object):
    """The API and one compute agent (FaultDriver) of a stack."""

    def __init__(self, stack, **defaults):
        self.stack = stack
        self.deployment = stack.deployment
        self.host = stack.hosts[0]
        self.config = self.deployment.write_config('lifecycle.conf', {
            'DEFAULT': dict({
                'compute_driver': 'tests.lifecycle_drivers.FaultDriver',
                'shutdown_timeout': '0', 'reboot_timeout': '0'},
                **defaults),
        })
        self.agent = None
        self.starts = 0

    def start_agent(self):
        before = self._last_seen()
        self.starts += 1
        name = 'compute-%d' % self.starts
        self.agent = self.deployment.start(
            'consolehub-compute', name=name,
            extra_args=['--config-file', self.config] +
            self.stack.log_args(name),
            env={'PYTHONPATH': REPOSITORY})
        # Its first heartbeat comes once it has recovered its instances.
        waiting.wait_for(
            lambda: self._last_seen() not in (None, before), 60,
            message='the agent registering', processes=[self.agent])

    def _last_seen(self):
        rows = self.stack.database.execute(
            'SELECT last_seen_at FROM services WHERE host = :host',
            host=self.host)
        return rows[0]['last_seen_at'] if rows else None

    def kill_agent(self):
        self.agent.kill()
        self.agent.wait(30)

    def start_api(self):
        process = self.deployment.start(
            'consolehub-api', extra_args=['--config-file', self.config] +
            self.stack.log_args('api'))
        token = self.deployment.create_token('demo', 'alice')
        servers.wait_for_port(self.deployment.api_port, 60, process)
        return servers.ApiClient(self.deployment.api_url, token)

    def faults(self, faults):
        lifecycle_drivers.write_faults(self.deployment.state_path, faults)

    def wait_for_marker(self, step, instance_id):
        marker = os.path.join(self.deployment.state_path, 'faults',
                              '%s.%s' % (step, instance_id))
        waiting.wait_for(lambda: os.path.exists(marker), 60,
                         message='the agent at %s' % step,
                         processes=[self.agent])

    def row(self, instance_id):
        rows = self.stack.database.execute(
            'SELECT status, task_state, fault, deleted_at FROM instances '
            'WHERE uuid = :uuid', uuid=instance_id)
        return rows[0]

    def state(self, instance_id):
        """``(status, task_state)`` in the database."""
        row = self.row(instance_id)
        return row['status'], row['task_state']

    def kill_guests(self):
        """Kill the QEMU of every guest this test's agent started."""
        for instance_id in [row['uuid'] for row in self.stack.database.execute(
                'SELECT uuid FROM instances')]:
            servers.kill_guest(instance_id)

    def defined(self, instance_id):
        """Whether the agent's libvirt root defines the guest."""
        return os.path.exists(os.path.join(
            self.deployment.state_path, 'libvirt', 'etc', 'qemu',
            'instance-%s.xml' % instance_id))


@pytest.fixture
def make_services(make_stack):
    made = []

    def make(**defaults):
        stack = make_stack(databases.POSTGRESQL)
        stack.deployment.manage('db', 'sync')
        made.append(_Services(stack, **defaults))
        return made[-1]

    yield make
    for services in made:
        # A test that failed may leave guests: they die with it.
        services.stack.deployment.stop()
        services.kill_guests()


@pytest.fixture
def services(make_services):
    return make_services()


def _timed(function, *args, **kwargs):
    started = time.monotonic()
    result = function(*args, **kwargs)
    return result, time.monotonic() - started


def _assert_dead_agent_503(response, seconds, host, what):
    print('[dead agent] %s: %d in %.2f s' % (what, response.status_code,
                                             seconds))
    assert response.status_code == 503, response.text
    assert response.json()['serviceUnavailable']['message'] == (
        'Compute host %s gave no sign of life within 4 seconds: its agent '
        'may have stopped; try again later.' % host)
    assert seconds < DEAD_AGENT_ANSWER, '%s took %.1f s' % (what, seconds)


def test_a_dead_agent_answers_503_within_5_seconds(services):
    services.start_agent()
    api = services.start_api()
    instance = api.create_instance('doomed-agent')
    api.wait_for_status(instance['id'], 'ACTIVE')
    services.kill_agent()

    # The heartbeat is fresh: the API still takes the host for up.
    console, seconds = _timed(
        api.request, 'POST', '/servers/%s/remote-consoles' % instance['id'],
        json={'remote_console': {'protocol': 'vnc', 'type': 'novnc'}})
    _assert_dead_agent_503(console, seconds, services.host, 'console')
    for what, body in (('os-stop', {'os-stop': None}),
                       ('reboot', {'reboot': {'type': 'HARD'}}),
                       ('os-getConsoleOutput', {'os-getConsoleOutput': {}})):
        response, seconds = _timed(
            api.request, 'POST', '/v2.1/servers/%s/action' % instance['id'],
            json=body)
        _assert_dead_agent_503(response, seconds, services.host, what)
    delete, seconds = _timed(api.request, 'DELETE',
                             '/instances/' + instance['id'])
    _assert_dead_agent_503(delete, seconds, services.host, 'delete')
    # Nothing is left in a task.
    assert services.state(instance['id']) == ('ACTIVE', None)

    # Back, the agent finds its guest still running and serves again.
    services.start_agent()
    assert services.state(instance['id']) == ('ACTIVE', None)
    response = api.request('POST', '/v2.1/servers/%s/action'
                           % instance['id'], json={'os-stop': None})
    assert response.status_code == 202, response.text
    api.wait_for_status(instance['id'], 'SHUTOFF')
    assert api.request('DELETE', '/instances/' +
                       instance['id']).status_code == 204
    assert not services.defined(instance['id'])


def test_an_agent_killed_mid_build_fails_the_build_on_restart(services):
    services.faults({'start': 'hang'})
    services.start_agent()
    api = services.start_api()
    instance = api.create_instance('killed-mid-build')
    services.wait_for_marker('start', instance['id'])
    services.kill_agent()
    assert services.state(instance['id']) == ('BUILD', 'spawning')
    # The domain is defined, not started, when the agent dies.
    assert services.defined(instance['id'])

    services.faults({})
    services.start_agent()
    row = services.row(instance['id'])
    assert (row['status'], row['task_state'], row['fault']) == (
        'ERROR', None, recovery.INTERRUPTED_BUILD)
    assert not services.defined(instance['id'])
    assert not servers.qemu_runs('instance-' + instance['id'])
    # The agent builds again, and the failed instance can be deleted.
    other = api.create_instance('after-restart')
    api.wait_for_status(other['id'], 'ACTIVE')
    for instance_id in (instance['id'], other['id']):
        assert api.request('DELETE', '/instances/' +
                           instance_id).status_code == 204


def test_an_agent_killed_mid_delete_leaves_no_task_on_restart(services):
    services.start_agent()
    api = services.start_api()
    instance = api.create_instance('killed-mid-delete')
    api.wait_for_status(instance['id'], 'ACTIVE')
    services.faults({'after-destroy': 'hang'})
    answers = []

    def delete():
        answers.append(api.request('DELETE', '/instances/' + instance['id']))

    deleting = threading.Thread(target=delete)
    deleting.start()
    # The guest is gone; the row not yet.
    services.wait_for_marker('after-destroy', instance['id'])
    assert services.state(instance['id']) == ('ACTIVE', 'deleting')
    killed = time.monotonic()
    services.kill_agent()
    deleting.join(60)
    seconds = time.monotonic() - killed
    [answer] = answers
    _assert_dead_agent_503(answer, seconds, services.host,
                           'delete in flight')
    assert services.state(instance['id']) == ('ACTIVE', None)

    services.faults({})
    services.start_agent()
    # Its guest is gone: SHUTOFF, and the delete goes through.
    assert services.state(instance['id']) == ('SHUTOFF', None)
    assert api.request('DELETE', '/instances/' +
                       instance['id']).status_code == 204
    assert services.row(instance['id'])['deleted_at'] is not None


def test_an_agent_killed_mid_stop_finishes_it_on_restart(services):
    services.start_agent()
    api = services.start_api()
    instance = api.create_instance('killed-mid-stop')
    api.wait_for_status(instance['id'], 'ACTIVE')
    services.faults({'power_off': 'hang'})
    response = api.request('POST', '/v2.1/servers/%s/action'
                           % instance['id'], json={'os-stop': None})
    assert response.status_code == 202, response.text
    services.wait_for_marker('power_off', instance['id'])
    services.kill_agent()
    assert services.state(instance['id']) == ('ACTIVE', 'powering-off')
    assert servers.qemu_runs('instance-' + instance['id'])

    services.faults({})
    services.start_agent()
    assert services.state(instance['id']) == ('SHUTOFF', None)
    waiting.wait_for(
        lambda: not servers.qemu_runs('instance-' + instance['id']), 30,
        message='QEMU of the stopped guest exiting')
    assert api.request('DELETE', '/instances/' +
                       instance['id']).status_code == 204


def test_a_delete_while_the_host_is_down_is_local_and_reaped_on_return(
        make_services):
    services = make_services(service_down_time='5', report_interval='1')
    services.start_agent()
    api = services.start_api()
    admin = servers.ApiClient(services.deployment.api_url,
                              services.deployment.create_token(
                                  'ops', 'root', roles=['admin']))
    instance = api.create_instance('on-a-host-that-dies')
    api.wait_for_status(instance['id'], 'ACTIVE')
    log = os.path.join(services.deployment.state_path, 'console-logs',
                       instance['id'] + '.log')
    assert os.path.exists(log)
    services.kill_agent()
    waiting.wait_for(
        lambda: [row['state'] for row in admin.request(
            'GET', '/os-services').json()['services']] == ['down'], 30,
        message='the host shown down')

    response, seconds = _timed(api.request, 'DELETE',
                               '/instances/' + instance['id'])
    print('[down host] local delete: %d in %.2f s'
          % (response.status_code, seconds))
    assert response.status_code == 204, response.text
    assert seconds < 2
    assert services.row(instance['id'])['deleted_at'] is not None
    # The guest outlives its agent until the agent is back.
    assert servers.qemu_runs('instance-' + instance['id'])

    services.start_agent()
    waiting.wait_for(
        lambda: not servers.qemu_runs('instance-' + instance['id']), 30,
        message='the orphan guest reaped')
    assert not services.defined(instance['id'])
    assert not os.path.exists(log)
