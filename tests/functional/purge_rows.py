"""Rows of instances, console sessions, console tokens and flavors on
either side of 2026-06-01, for the purge tests."""

import datetime
import sqlite3

# Rows of each kind on either side of the cut-off, 2026-06-01.
_INSTANCES = [
    # uuid, deleted_at, the flavor it was made from
    ('00000000-0000-4000-8000-00000000000a', '2026-05-01 10:00:00', 'f-a'),
    ('00000000-0000-4000-8000-00000000000b', '2026-07-01 10:00:00', 'f-b'),
    ('00000000-0000-4000-8000-00000000000c', None, None),
]
_FLAVORS = [
    # flavorid, deleted_at: f-a goes with the old instance made from it,
    # f-b stays while its instance's row does.
    ('f-old', '2026-05-01 00:00:00'),
    ('f-a', '2026-05-01 00:00:00'),
    ('f-b', '2026-05-01 00:00:00'),
    ('f-new', '2026-07-01 00:00:00'),
]
_SESSIONS = [
    # uuid, instance, ended_at
    ('s-old', '00000000-0000-4000-8000-00000000000c', '2026-05-02 00:00:00'),
    ('s-new', '00000000-0000-4000-8000-00000000000c', '2026-06-02 00:00:00'),
    ('s-open', '00000000-0000-4000-8000-00000000000c', None),
    # An ended session of the old deleted instance goes with it.
    ('s-gone', '00000000-0000-4000-8000-00000000000a', '2026-05-01 09:00:00'),
]
_TOKENS = [
    # hash, instance, expires (seconds since the epoch)
    ('a' * 64, '00000000-0000-4000-8000-00000000000c',
     int(datetime.datetime(2026, 5, 31, 23, 0,
                           tzinfo=datetime.timezone.utc).timestamp())),
    ('b' * 64, '00000000-0000-4000-8000-00000000000c',
     int(datetime.datetime(2026, 6, 1, 1, 0,
                           tzinfo=datetime.timezone.utc).timestamp())),
]


def fill(path):
    database = sqlite3.connect(path)
    with database:
        for uuid, deleted_at, flavor_id in _INSTANCES:
            database.execute(
                "INSERT INTO instances (uuid, name, status, host, project_id,"
                " user_id, memory_mb, vcpus, deleted_at, power_state, "
                "flavor_id) VALUES (?, 'vm', ?, 'h', 'p', 'u', 64, 1, ?, 0, "
                "?)", (uuid, 'DELETED' if deleted_at else 'ACTIVE',
                       deleted_at, flavor_id))
        for index, (flavorid, deleted_at) in enumerate(_FLAVORS):
            database.execute(
                "INSERT INTO flavors (flavorid, name, memory_mb, vcpus, "
                "root_gb, ephemeral_gb, swap, rxtx_factor, is_public, "
                "disabled, deleted_at, deleted) VALUES (?, ?, 64, 1, 0, 0, "
                "0, 1.0, 1, 0, ?, ?)",
                (flavorid, flavorid, deleted_at, 1000 + index))
        for uuid, instance, ended_at in _SESSIONS:
            database.execute(
                "INSERT INTO console_sessions (uuid, instance_uuid, "
                "console_type, token_hash_prefix, started_at, ended_at, "
                "bytes_to_client, bytes_to_guest) VALUES (?, ?, 'novnc', "
                "'abcdef01', '2026-04-01 00:00:00', ?, 0, 0)",
                (uuid, instance, ended_at))
        for token_hash, instance, expires in _TOKENS:
            database.execute(
                "INSERT INTO console_auth_tokens (token_hash, console_type, "
                "host, port, instance_uuid, expires) VALUES (?, 'novnc', "
                "'127.0.0.1', 5900, ?, ?)", (token_hash, instance, expires))
    database.close()


def left(path):
    database = sqlite3.connect(path)
    try:
        return {
            'instances': sorted(row[0][-1] for row in database.execute(
                'SELECT uuid FROM instances')),
            'sessions': sorted(row[0] for row in database.execute(
                'SELECT uuid FROM console_sessions')),
            'tokens': sorted(row[0][0] for row in database.execute(
                'SELECT token_hash FROM console_auth_tokens')),
            'deleted flavors': sorted(row[0] for row in database.execute(
                'SELECT flavorid FROM flavors WHERE deleted != 0')),
        }
    finally:
        database.close()
