"""What the API controllers ask of compute: the instance life cycle.

This layer owns the instance's state in the database and picks the host;
guest work goes to that host's agent through :mod:`rpcapi`.
"""

import threading

import cachetools
from oslo_log import log as logging

from consolehub.compute import rpcapi
from consolehub.conf import CONF
from consolehub import context as consolehub_context
from consolehub.db import api as db_api
from consolehub import exception

LOG = logging.getLogger(__name__)

COMPUTE_BINARY = 'consolehub-compute'

#: Seconds the list of up hosts is reused. Far below service_down_time, so
#: a host that stops is still refused at once, and it saves a query on
#: every console request.
UP_HOSTS_CACHE_SECONDS = 1.0

#: Close reason of a console session an administrator ended.
END_BY_ADMIN = 'ended by an administrator'


class API(object):
    """Instance operations on behalf of a request context."""

    def __init__(self):
        self.rpcapi = rpcapi.ComputeAPI()
        self._up_hosts_cache = cachetools.TTLCache(
            maxsize=1, ttl=UP_HOSTS_CACHE_SECONDS)
        self._up_hosts_lock = threading.Lock()

    def _up_hosts(self):
        """Names of the compute hosts that are up (a list of str)."""
        with self._up_hosts_lock:
            hosts = self._up_hosts_cache.get('hosts')
            if hosts is None:
                admin = consolehub_context.get_admin_context()
                hosts = [service['host'] for service in
                         db_api.service_get_all(admin, COMPUTE_BINARY)
                         if service['is_up']]
                self._up_hosts_cache['hosts'] = hosts
            return hosts

    def _pick_host(self):
        """The up compute host with the fewest live instances, or None."""
        hosts = self._up_hosts()
        if not hosts:
            return None
        load = db_api.instance_count_by_host(
            consolehub_context.get_admin_context())
        return min(hosts, key=lambda host: (load.get(host, 0), host))

    def service_get_all(self, context):
        """Every compute agent's service row, each with ``is_up``."""
        return db_api.service_get_all(context, COMPUTE_BINARY)

    def _require_host_up(self, instance):
        """Fail at once, rather than after an RPC timeout, if the
        instance's host has missed its heartbeats."""
        if instance['host'] not in self._up_hosts():
            raise exception.ComputeHostDown(
                host=instance['host'], down_time=CONF.service_down_time)

    def create(self, context, name, memory_mb, vcpus, host=None):
        """Record a BUILD instance and ask its host to start the guest.

        :param host: the compute host to build on (an administrator's
            choice); None picks the up host with the fewest instances.
        :raises HostUnavailable: if ``host`` is given but is not a compute
            host that is up; nothing is recorded.

        With no compute host up the instance goes to ERROR with a
        "No valid host" fault, as in Nova.
        """
        if host is not None:
            if host not in self._up_hosts():
                raise exception.HostUnavailable(host=host)
        else:
            host = self._pick_host()
        instance = db_api.instance_create(context, name, memory_mb, vcpus,
                                          host)
        if host is None:
            fault = str(exception.NoValidHost(
                reason='no consolehub-compute service is up'))
            return db_api.instance_update(
                context, instance['uuid'],
                {'status': db_api.STATUS_ERROR, 'fault': fault})
        self.rpcapi.build_instance(context, instance)
        return instance

    def get(self, context, instance_uuid):
        """The instance; raises InstanceNotFound outside the project."""
        return db_api.instance_get(context, instance_uuid)

    def get_all(self, context, limit, marker=None):
        """Up to ``limit`` instances after ``marker``, oldest first."""
        return db_api.instance_get_all(context, limit, marker)

    def rename(self, context, instance_uuid, name):
        return db_api.instance_update(context, instance_uuid, {'name': name})

    def delete(self, context, instance_uuid):
        """Remove the guest, the instance and its console tokens.

        An instance that never reached a host is removed here directly.

        :raises ComputeHostUnavailable: the host is down or did not answer;
            nothing was removed and the delete can be retried.
        """
        instance = db_api.instance_get(context, instance_uuid)
        if instance['host'] is None:
            db_api.instance_destroy(context, instance_uuid)
            return
        self._require_host_up(instance)
        db_api.instance_update(context, instance_uuid,
                               {'task_state': db_api.TASK_DELETING})
        try:
            self.rpcapi.terminate_instance(context, instance)
        except exception.ComputeHostUnavailable:
            # Nothing was removed: the instance is usable again.
            db_api.instance_update(context, instance_uuid,
                                   {'task_state': None})
            raise

    def get_console(self, context, instance, protocol, console_type):
        """An ``access_url`` of ``(protocol, console_type)`` for an ACTIVE
        instance.

        :param instance: the instance dict the caller just read with
            :meth:`get`.
        :raises InstanceInvalidState: the instance is not ACTIVE, or is
            being deleted (Nova's 409 for both).
        :raises ComputeHostUnavailable, ConsoleTypeUnavailable.
        """
        if instance['status'] != db_api.STATUS_ACTIVE:
            raise exception.InstanceInvalidState(
                instance_id=instance['uuid'], status=instance['status'],
                action='a console', expected=db_api.STATUS_ACTIVE)
        if instance['task_state'] == db_api.TASK_DELETING:
            raise exception.InstanceBeingDeleted(instance_id=instance['uuid'])
        self._require_host_up(instance)
        return self.rpcapi.get_console(context, instance, protocol,
                                       console_type)['access_url']

    def get_console_sessions(self, context, instance_uuid):
        """Every console session of a visible instance, newest first."""
        return db_api.console_session_get_all_by_instance(context,
                                                          instance_uuid)

    def end_console_session(self, context, instance_uuid, session_uuid):
        """Ask the console proxy to end an open session.

        The proxy closes it within ``[console] session_check_interval``
        seconds.

        :raises InstanceNotFound, ConsoleSessionNotFound.
        """
        return db_api.console_session_request_end(
            context, instance_uuid, session_uuid, END_BY_ADMIN)
