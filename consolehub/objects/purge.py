"""Purging old rows: ``consolehub-manage db purge`` and the compute
agent's periodic purge (``[compute] purge_interval``)."""

import collections
import datetime

from oslo_utils import timeutils

from consolehub.conf import CONF
from consolehub.db import purge as db_purge


def purge(context, before, tokens_before=None, sessions_before=None):
    """Delete what ended before a date.

    :param before: naive UTC datetime: instances and flavors deleted
        before it go (a flavor once no instance row names it), and,
        unless given apart, tokens expired and sessions ended before it.
    :param tokens_before: the cut-off for expired console tokens.
    :param sessions_before: the cut-off for ended console sessions.
    :returns: ``{'instances': n, 'console sessions': n, 'console
        tokens': n, 'flavors': n}`` (an ordered dict).
    """
    counts = collections.OrderedDict()
    # Sessions and tokens first: what a purged instance still has left
    # goes with it uncounted.
    sessions = db_purge.console_sessions_purge(context,
                                               sessions_before or before)
    tokens = db_purge.console_auth_tokens_purge(context,
                                                tokens_before or before)
    counts['instances'] = db_purge.instances_purge(context, before)
    counts['console sessions'] = sessions
    counts['console tokens'] = tokens
    # After the instances: a purged instance no longer keeps its flavor.
    counts['flavors'] = db_purge.flavors_purge(context, before)
    return counts


def purge_expired(context):
    """The periodic purge: every expired token, sessions ended more than
    ``[console] session_retention_days`` ago, instances (and flavors)
    deleted more than ``[compute] deleted_instance_retention_days`` ago.

    :returns: as :func:`purge`.
    """
    now = timeutils.utcnow()
    return purge(
        context,
        now - datetime.timedelta(
            days=CONF.compute.deleted_instance_retention_days),
        tokens_before=now,
        sessions_before=now - datetime.timedelta(
            days=CONF.console.session_retention_days))
