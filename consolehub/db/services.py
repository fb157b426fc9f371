"""Queries of ``services``: the compute agents and their heartbeats."""

import datetime

from oslo_utils import timeutils
import sqlalchemy as sa

from consolehub.conf import CONF
from consolehub.db import engine
from consolehub.db import models


@engine.retry_on_deadlock
def service_heartbeat(context, host, binary, topic):
    """Record that ``binary`` on ``host`` is alive now."""
    now = timeutils.utcnow()
    with engine.writer(context) as session:
        row = session.scalars(sa.select(models.Service).filter_by(
            host=host, binary=binary)).first()
        if row is None:
            row = models.Service(host=host, binary=binary, topic=topic)
            session.add(row)
        row.last_seen_at = now
        session.flush()
        return engine.as_dict(row)


def service_get_all(context, binary):
    """Every service row of ``binary``, each with an ``is_up`` flag.

    ``is_up``: the last heartbeat is younger than ``[DEFAULT]
    service_down_time`` seconds.
    """
    threshold = timeutils.utcnow() - datetime.timedelta(
        seconds=CONF.service_down_time)
    with engine.reader(context) as session:
        rows = session.scalars(sa.select(models.Service).filter_by(
            binary=binary).order_by(models.Service.host)).all()
        return [dict(engine.as_dict(row), is_up=row.last_seen_at >= threshold)
                for row in rows]
