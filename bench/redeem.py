"""Time the console proxy's redeem: raw DBAPI cursor against SQLAlchemy Core.

Both run the same compiled statements of
:mod:`consolehub.db.console_sessions` in one transaction on the same
pooled engine (:func:`consolehub.db.engine.proxy_engine`): the raw path
is :func:`~consolehub.db.console_sessions.console_session_redeem`; the
Core path here executes the statement objects with ``Connection.execute``.
Each redeem consumes a fresh single-use token and inserts a session row,
with the session limit checked, as the proxy does::

    python -m bench.redeem --database sqlite
    python -m bench.redeem --database postgresql   # postgres@127.0.0.1

The database is made for the run (a file under a temporary directory, or
a database on the local server) and dropped afterwards.
"""

import argparse
import hmac
import statistics
import tempfile
import time
import uuid

from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

_PG_ADMIN = 'postgresql+psycopg2://postgres@127.0.0.1/postgres'


def _core_redeem(token_hash, console_type, client_address, single_use,
                 max_sessions):
    """console_session_redeem through SQLAlchemy Core (same statements)."""
    from consolehub.db import console_sessions as db
    from consolehub.db import engine

    statements = db._REDEEM_STATEMENTS
    now = timeutils.utcnow()
    with engine.proxy_engine().begin() as connection:
        token = connection.execute(
            statements['token'], {'token_hash': token_hash,
                                  'now_ts': int(timeutils.utcnow_ts())}
        ).mappings().first()
        if token is None or not hmac.compare_digest(
                token['token_hash'], token_hash) or (
                token['console_type'] != console_type):
            return db.REDEEM_INVALID, None, None
        if single_use and token['used_at'] is not None:
            return db.REDEEM_USED, token, None
        if max_sessions:
            count = connection.execute(
                statements['count'],
                {'instance_uuid': token['instance_uuid']}).scalar()
            if count >= max_sessions:
                return db.REDEEM_LIMIT, token, None
        if single_use and connection.execute(
                statements['consume'],
                {'token_id': token['id'], 'now': now}).rowcount != 1:
            return db.REDEEM_USED, token, None
        values = {'uuid': uuidutils.generate_uuid(),
                  'instance_uuid': token['instance_uuid'],
                  'console_type': console_type,
                  'token_hash_prefix': token_hash[:8],
                  'client_address': client_address}
        connection.execute(statements['insert'], dict(values, now=now))
        return db.REDEEM_OK, dict(token), values


def _prepare(url, count):
    from consolehub.conf import CONF
    from consolehub import context
    from consolehub.db import engine
    from consolehub.db import migration
    from consolehub.objects import console_auth_token
    from consolehub.objects import instance as instance_obj

    CONF([], project='consolehub', default_config_files=[])
    CONF.set_override('connection', url, group='database')
    engine.reset()
    migration.db_sync()
    ctx = context.RequestContext(project_id='bench', user_id='bench')
    instance = instance_obj.create(ctx, 'bench', 64, 1, 'host1')
    digests = []
    for _ in range(count):
        raw, _row = console_auth_token.mint(ctx, ('vnc', 'novnc'),
                                            '127.0.0.1', 5900,
                                            instance['uuid'])
        digests.append(console_auth_token.hash_token(raw))
    return digests


def _time(redeem, digests, finish):
    from consolehub.db import console_sessions as db

    times = []
    for digest in digests:
        started = time.perf_counter()
        outcome, _token, row = redeem(digest, 'novnc', '127.0.0.1', True, 0)
        times.append(time.perf_counter() - started)
        assert outcome == db.REDEEM_OK, outcome
        finish([(row['uuid'], 'bench', 0, 0)])
    return times


def _run(url, count, rounds):
    from consolehub.db import console_sessions as db

    digests = _prepare(url, 2 * count * rounds + 20)
    paths = {'raw cursor': db.console_session_redeem, 'Core': _core_redeem}
    results = {name: [] for name in paths}
    # Warm both paths (pool, statement caches), then alternate rounds.
    for name, redeem in paths.items():
        _time(redeem, [digests.pop() for _ in range(10)],
              db.console_session_finish)
    for _ in range(rounds):
        for name, redeem in paths.items():
            results[name] += _time(redeem,
                                   [digests.pop() for _ in range(count)],
                                   db.console_session_finish)
    for name, times in results.items():
        times.sort()
        print('%-10s median %.3f ms, p90 %.3f ms (n=%d)'
              % (name, statistics.median(times) * 1e3,
                 times[int(len(times) * 0.9)] * 1e3, len(times)))
    ratio = (statistics.median(results['Core']) /
             statistics.median(results['raw cursor']))
    print('Core / raw cursor: %.2fx' % ratio)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--database', choices=('sqlite', 'postgresql'),
                        default='sqlite')
    parser.add_argument('--count', type=int, default=500,
                        help='redeems per path and round')
    parser.add_argument('--rounds', type=int, default=4)
    args = parser.parse_args()
    if args.database == 'sqlite':
        with tempfile.TemporaryDirectory() as path:
            _run('sqlite:///%s/bench.sqlite' % path, args.count, args.rounds)
        return
    name = 'consolehub_bench_%s' % uuid.uuid4().hex[:8]
    admin = sa.create_engine(_PG_ADMIN, isolation_level='AUTOCOMMIT')
    with admin.connect() as connection:
        connection.execute(sa.text('CREATE DATABASE "%s"' % name))
    try:
        _run('postgresql+psycopg2://postgres@127.0.0.1/%s' % name,
             args.count, args.rounds)
    finally:
        from consolehub.db import engine
        engine.reset()
        with admin.connect() as connection:
            connection.execute(sa.text(
                'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name))
        admin.dispose()


if __name__ == '__main__':
    main()
