"""The compute agent's service: RPC server, heartbeats, the virt driver.

Concurrency: blocking code on native threads (oslo.messaging's
``threading`` executor, libvirt's event loop thread); no eventlet.
"""

import threading

from oslo_log import log as logging
import oslo_messaging as messaging

from consolehub.compute import manager as compute_manager
from consolehub.conf import CONF
from consolehub import context as consolehub_context
from consolehub.objects import service as service_obj
from consolehub import rpc
from consolehub.virt import driver as virt_driver

LOG = logging.getLogger(__name__)


class ComputeService(object):
    """An RPC server on topic ``compute``, server ``[DEFAULT] host``.

    It sends a heartbeat to the ``services`` table every
    ``[DEFAULT] report_interval`` seconds so the API can pick up hosts,
    and runs the manager's periodic tasks, each on a thread of its own:
    the power state sync (``[compute] sync_power_state_interval``), the
    console log bound (``[serial_console] log_check_interval``) and the
    purge of old rows (``[compute] purge_interval``; 0 never).

    :param driver: a :class:`consolehub.virt.driver.ComputeDriver`;
        None loads ``[DEFAULT] compute_driver``.
    """

    def __init__(self, driver=None):
        self.host = CONF.host
        self.manager = compute_manager.ComputeManager(
            self.host, driver or virt_driver.load_compute_driver())
        self._server = None
        self._stopped = threading.Event()
        self._heartbeat_thread = None
        self._periodic_threads = []

    def _heartbeat(self):
        service_obj.heartbeat(consolehub_context.get_admin_context(),
                              self.host)

    def _heartbeat_loop(self):
        while not self._stopped.wait(CONF.report_interval):
            try:
                self._heartbeat()
            except Exception:
                LOG.exception('Heartbeat of %s failed', self.host)

    def _every(self, interval, task):
        """Run ``task()`` every ``interval()`` seconds until stopped."""
        def loop():
            while not self._stopped.wait(interval()):
                try:
                    task()
                except Exception:
                    LOG.exception('Periodic task %s failed', task.__name__)
        thread = threading.Thread(target=loop, name=task.__name__,
                                  daemon=True)
        thread.start()
        self._periodic_threads.append(thread)

    def _start_periodic_tasks(self):
        manager = self.manager
        self._every(lambda: CONF.compute.sync_power_state_interval,
                    manager.sync_power_states)
        self._every(lambda: CONF.serial_console.log_check_interval,
                    manager.trim_console_logs)
        if CONF.compute.purge_interval:
            self._every(lambda: CONF.compute.purge_interval,
                        manager.purge_database)

    def start(self):
        self.manager.init_host(consolehub_context.get_admin_context())
        target = messaging.Target(topic=service_obj.COMPUTE_TOPIC,
                                  server=self.host)
        self._server = messaging.get_rpc_server(
            rpc.get_transport(CONF), target, [self.manager],
            executor='threading', serializer=rpc.RequestContextSerializer())
        self._server.start()
        self._heartbeat()
        self._heartbeat_thread = threading.Thread(
            target=self._heartbeat_loop, name='heartbeat', daemon=True)
        self._heartbeat_thread.start()
        self._start_periodic_tasks()
        LOG.info('Compute agent %s is serving RPC', self.host)

    def stop(self):
        self._stopped.set()
        if self._server is not None:
            self._server.stop()
            self._server.wait()
        for thread in self._periodic_threads:
            thread.join(30)
        self._periodic_threads = []
        self.manager.cleanup_host()
