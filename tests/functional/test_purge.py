"""``consolehub-manage db purge --before DATE`` as an operator runs it."""

import os
import subprocess

import pytest

from tests.functional import purge_rows
from tests.functional import servers


def test_manage_db_purge_before_a_date(tmp_path):
    deployment = servers.Deployment(str(tmp_path))
    deployment.manage('db', 'sync')
    path = os.path.join(str(tmp_path), 'consolehub.sqlite')
    purge_rows.fill(path)
    out = deployment.manage('db', 'purge', '--before', '2026-06-01')
    assert out.strip() == ('Purged 1 instances, 2 console sessions, 1 '
                           'console tokens, 2 flavors older than 2026-06-01 '
                           '00:00:00')
    assert purge_rows.left(path) == {'instances': ['b', 'c'],
                                     'sessions': ['s-new', 's-open'],
                                     'tokens': ['b'],
                                     'deleted flavors': ['f-b', 'f-new']}
    # Nothing more to do the second time.
    out = deployment.manage('db', 'purge', '--before', '2026-06-01T00:00Z')
    assert out.startswith('Purged 0 instances, 0 console sessions, 0 ')


def test_manage_db_purge_refuses_a_bad_date(tmp_path):
    deployment = servers.Deployment(str(tmp_path))
    deployment.manage('db', 'sync')
    with pytest.raises(subprocess.CalledProcessError) as failed:
        deployment.manage('db', 'purge', '--before', 'last week')
    assert "--before 'last week' is not an ISO 8601 date" in (
        failed.value.stderr)
    with pytest.raises(subprocess.CalledProcessError) as failed:
        deployment.manage('db', 'purge')
    assert 'required: --before' in failed.value.stderr
