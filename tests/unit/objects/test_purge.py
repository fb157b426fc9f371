"""The compute agent's periodic purge and its retention options."""

import datetime

from oslo_utils import timeutils

from consolehub.conf import CONF
from consolehub.objects import purge
from tests.functional import purge_rows


def test_periodic_purge_keeps_what_its_retention_keeps(database, conf_fixture,
                                                       admin):
    """Tokens: every expired one; sessions and instances: older than
    their retention in days."""
    conf_fixture.config(session_retention_days=30, group='console')
    conf_fixture.config(deleted_instance_retention_days=60, group='compute')
    path = CONF.database.connection[len('sqlite:///'):]
    purge_rows.fill(path)
    now = datetime.datetime(2026, 7, 15)
    timeutils.set_time_override(now)
    try:
        counts = purge.purge_expired(admin)
    finally:
        timeutils.clear_time_override()
    # Deleted 75 days before: gone; 14 days before: kept. Sessions ended
    # 75, 74 and 43 days before: gone; both tokens expired: gone.
    assert dict(counts) == {'instances': 1, 'console sessions': 3,
                            'console tokens': 2, 'flavors': 2}
    assert purge_rows.left(path) == {
        'instances': ['b', 'c'], 'sessions': ['s-open'], 'tokens': [],
        'deleted flavors': ['f-b', 'f-new']}
