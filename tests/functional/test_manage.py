"""consolehub-manage as operators run it: schema and API tokens."""

import hashlib
import os
import re
import sqlite3

from tests.functional import servers


def test_db_sync_version_and_token_create(tmp_path):
    deployment = servers.Deployment(str(tmp_path))
    assert 'Database is at revision' in deployment.manage('db', 'sync')
    head = deployment.manage('db', 'version').strip()
    assert re.fullmatch(r'[0-9a-z_]+', head), head

    raw_tokens = [deployment.create_token('demo', 'alice', roles=['reader'])
                  for _ in range(3)]
    for raw_token in raw_tokens:
        # 64 hex digits: never a leading "-" that a command line would
        # take for an option.
        assert re.fullmatch(r'[0-9a-f]{64}', raw_token), raw_token
    assert len(set(raw_tokens)) == 3
    database = sqlite3.connect(os.path.join(str(tmp_path),
                                            'consolehub.sqlite'))
    try:
        rows = database.execute(
            'SELECT token_hash, project_id, user_id, roles '
            'FROM api_tokens').fetchall()
    finally:
        database.close()
    # Only hashes are stored.
    assert sorted(rows) == sorted(
        (hashlib.sha256(raw.encode()).hexdigest(), 'demo', 'alice', 'reader')
        for raw in raw_tokens)
