"""consolehub's services as separate processes on RabbitMQ and a SQL server.

A :class:`Stack` is one test's share of this machine: a fresh PostgreSQL
or MariaDB database (:mod:`tests.functional.databases`), a RabbitMQ
exchange of its own (``[DEFAULT] control_exchange``) and compute host
names of its own, and a :class:`tests.functional.servers.Deployment`
whose config file names them all. oslo.messaging names a server's queue
``compute.<host>`` whatever the exchange, so unique host names are what
keep two concurrent runs from consuming each other's messages.

Tests get stacks from the ``make_stack`` fixture
(``tests/functional/conftest.py``), which closes them.
"""

import os
import uuid

import pytest

from tests.functional import databases
from tests.functional import servers
from tests import waiting

RABBIT_URL = 'rabbit://guest:guest@127.0.0.1:5672/'
_KOMBU_URL = 'amqp://guest:guest@127.0.0.1:5672//'

COMPUTE_BINARY = 'consolehub-compute'

try:
    import libvirt  # noqa: F401
    _HAVE_LIBVIRT = True
except ImportError:
    _HAVE_LIBVIRT = False

#: ``pytestmark`` of a module whose stacks start real guests.
NEEDS_GUESTS = [
    pytest.mark.skipif(
        not os.path.exists(servers.QEMU_BINARY),
        reason='QEMU (%s) is not installed' % servers.QEMU_BINARY),
    pytest.mark.skipif(not _HAVE_LIBVIRT,
                       reason='libvirt-python is not installed'),
]


# -- RabbitMQ -----------------------------------------------------------------

def require_rabbitmq():
    """Skip the test, saying why, unless RabbitMQ answers on 5672."""
    import kombu
    try:
        with kombu.Connection(_KOMBU_URL, connect_timeout=5) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as error:
        pytest.skip('RabbitMQ is not reachable on 127.0.0.1:5672: %s'
                    % error)


def rabbit_cleanup(exchange, hosts):
    """Best effort: remove the exchange and the queues a run made.

    Reply and fanout queues expire by themselves
    (``rabbit_transient_queues_ttl``); the shared ``compute`` queue goes
    only when no other run consumes from it.
    """
    operations = [('queue_delete', 'compute.%s' % host, {}) for host in hosts]
    operations += [('queue_delete', 'compute',
                    {'if_unused': True, 'if_empty': True}),
                   ('exchange_delete', exchange, {})]
    rabbit_delete(operations)


def rabbit_delete(operations):
    """Best effort: run ``(channel method, name, kwargs)`` operations
    such as ``('queue_delete', 'compute.h1', {})`` on RabbitMQ."""
    import kombu
    try:
        with kombu.Connection(_KOMBU_URL, connect_timeout=5) as connection:
            for method, name, kwargs in operations:
                # A refused operation closes its channel: one each.
                channel = connection.channel()
                try:
                    getattr(channel, method)(name, **kwargs)
                except Exception:
                    pass
                finally:
                    try:
                        channel.close()
                    except Exception:
                        pass
    except Exception:
        pass


# -- the schema and the agents' registrations ---------------------------------

def head_revision():
    """The alembic revision ``consolehub-manage db sync`` goes to."""
    from alembic import config as alembic_config
    from alembic import script as alembic_script

    import consolehub.db
    ini = os.path.join(os.path.dirname(consolehub.db.__file__),
                       'alembic.ini')
    return alembic_script.ScriptDirectory.from_config(
        alembic_config.Config(ini)).get_current_head()


def compute_hosts(database):
    """Sorted host names of the compute agents registered in
    ``database`` (a :class:`tests.functional.databases.Database`)."""
    return sorted(row['host'] for row in
                  database.execute('SELECT * FROM services')
                  if row['binary'] == COMPUTE_BINARY)


class Stack(object):
    """Processes, database and broker names of one test, torn down once.

    :param backend: ``databases.POSTGRESQL`` or ``databases.MYSQL``.
    :param state_path: the deployment's directory (str).
    :param hosts: suffixes of the compute host names, e.g. ``('a', 'b')``;
        the first is ``[DEFAULT] host`` of the shared config file.
    :raises pytest.skip.Exception: if RabbitMQ or the SQL server is not
        reachable.
    """

    def __init__(self, backend, state_path, hosts):
        require_rabbitmq()
        self.run_id = uuid.uuid4().hex[:10]
        self.exchange = 'consolehub-test-%s' % self.run_id
        self.hosts = ['mp%s-%s' % (self.run_id, suffix) for suffix in hosts]
        self.deployment = None
        self.database = databases.create(backend)
        try:
            self.deployment = servers.Deployment(state_path, {
                'DEFAULT': {'transport_url': RABBIT_URL,
                            'control_exchange': self.exchange,
                            'host': self.hosts[0]},
                'database': {'connection': self.database.url},
                # Reply and fanout queues have unique names; let the
                # broker drop them a minute after this run stops.
                'oslo_messaging_rabbit': {
                    'rabbit_transient_queues_ttl': '60'},
            })
        except BaseException:
            self.close()
            raise

    def log_args(self, name):
        """``--log-file`` arguments for a process's ``<name>.log``."""
        return ['--log-file',
                os.path.join(self.deployment.state_path, name + '.log')]

    def sync_schema(self):
        """``consolehub-manage db sync`` on the empty database, checked
        with ``db version`` and the ``alembic_version`` row."""
        head = head_revision()
        assert self.deployment.manage('db', 'version').strip() == 'None'
        assert head in self.deployment.manage('db', 'sync')
        assert self.deployment.manage('db', 'version').strip() == head
        assert self.database.execute(
            'SELECT version_num FROM alembic_version') == [
                {'version_num': head}]

    def wait_for_agents(self, timeout, processes=()):
        """Wait until every agent of :attr:`hosts` has registered.

        :param processes: ``Popen`` objects that must not exit meanwhile.
        """
        waiting.wait_for(
            lambda: compute_hosts(self.database) == self.hosts, timeout,
            interval=0.1, processes=processes,
            message='compute agents %s registering' % self.hosts)

    def close(self):
        try:
            if self.deployment is not None:
                self.deployment.stop()
        finally:
            try:
                self.database.drop()
            finally:
                rabbit_cleanup(self.exchange, self.hosts)
