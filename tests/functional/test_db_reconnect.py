"""oslo.db's handling of lost database connections, on PostgreSQL/MariaDB.

consolehub's engine comes from oslo.db's enginefacade, which gives us
two things (see the documentation, "Running on several hosts"):

* ``[database] max_retries``/``retry_interval``: at start-up, the first
  connection is retried that many times, so services may start before the
  database server is ready;
* ``pool_pre_ping``: each pooled connection is pinged when checked out,
  and one that the server or the network dropped is replaced, so the
  next query succeeds instead of failing once per stale connection.

The database is reached through a TCP relay the test controls, which
lets it cut every connection or hold the port closed.
"""

import threading
import time

from oslo_db import exception as db_exception
import pytest

from consolehub.conf import CONF
from consolehub import context as consolehub_context
from consolehub.db import engine as db_engine
from consolehub.db import services as db_services
from consolehub.db import migration
from tests.functional import databases
from tests.functional import relay
from tests.functional import servers

_URLS = {
    databases.POSTGRESQL: 'postgresql+psycopg2://postgres@127.0.0.1:%s/%s',
    databases.MYSQL: 'mysql+pymysql://root@127.0.0.1:%s/%s?charset=utf8mb4',
}
_PORTS = {databases.POSTGRESQL: 5432, databases.MYSQL: 3306}


@pytest.fixture
def use_database(conf_fixture):
    """``use(backend, database, port, **options)``: point ``[database]``
    at ``database`` (a :class:`databases.Database`) through 127.0.0.1:
    ``port``, with more ``[database]`` options; the engines are forgotten
    at the end."""
    def use(backend, database, port, **options):
        conf_fixture.config(
            connection=_URLS[backend] % (port, database.name),
            group='database', **options)
        db_engine.reset()
    yield use
    db_engine.reset()


@pytest.mark.parametrize('backend', databases.BACKENDS)
def test_queries_survive_the_loss_of_every_connection(use_database,
                                                      backend):
    with databases.fresh(backend) as database, relay.Relay(
            ('127.0.0.1', 0), ('127.0.0.1', _PORTS[backend])) as path:
        use_database(backend, database, path.port)
        migration.db_sync()
        admin = consolehub_context.get_admin_context()
        db_services.service_heartbeat(admin, 'compute-1', 'consolehub-compute',
                                      'compute')
        opened = path.connections
        assert opened >= 1
        for _ in range(3):
            # As a database restart or a failover would do.
            path.cut()
            rows = db_services.service_get_all(admin, 'consolehub-compute')
            assert [row['host'] for row in rows] == ['compute-1']
            db_services.service_heartbeat(admin, 'compute-1',
                                          'consolehub-compute', 'compute')
        assert path.connections > opened, 'no new connection was made'


@pytest.mark.parametrize('backend', databases.BACKENDS)
def test_start_up_waits_for_the_database(use_database, backend):
    with databases.fresh(backend) as database:
        port = servers.free_port()
        use_database(backend, database, port, max_retries=20,
                     retry_interval=1)
        late = relay.Relay(('127.0.0.1', port),
                           ('127.0.0.1', _PORTS[backend]))
        timer = threading.Timer(2.5, late.start)
        started = time.monotonic()
        timer.start()
        try:
            migration.db_sync()
            waited = time.monotonic() - started
            assert migration.db_version() is not None
        finally:
            timer.cancel()
            timer.join()
            db_engine.reset()
            late.stop()
        # It did wait for the server, and not much longer.
        assert 2.0 < waited < 15, waited


@pytest.mark.parametrize('backend', databases.BACKENDS)
def test_start_up_gives_up_after_max_retries(use_database, backend):
    with databases.fresh(backend) as database:
        use_database(backend, database, servers.free_port(),
                     max_retries=2, retry_interval=1)
        started = time.monotonic()
        with pytest.raises(db_exception.DBConnectionError):
            db_engine.get_engine()
        elapsed = time.monotonic() - started
        # Two attempts, one retry_interval between them.
        assert 0.9 < elapsed < 10, elapsed
        assert CONF.database.max_retries == 2
