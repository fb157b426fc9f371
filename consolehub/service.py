"""Long-running services: the compute agent and the API's HTTP server.

Concurrency: blocking code on native threads (oslo.messaging's
``threading`` executor, cheroot's worker threads, libvirt's event loop
thread); the console proxy runs its own asyncio loop. No eventlet.
"""

import os
import signal
import sys
import threading

from cheroot import wsgi as cheroot_wsgi
from oslo_log import log as logging
import oslo_messaging as messaging
from paste import deploy

from consolehub.compute import api as compute_api
from consolehub.compute import manager as compute_manager
from consolehub.compute import rpcapi as compute_rpcapi
from consolehub.conf import CONF
from consolehub import context as consolehub_context
from consolehub.db import api as db_api
from consolehub import rpc
from consolehub.virt.libvirt import driver as libvirt_driver

LOG = logging.getLogger(__name__)


def prepare(argv, description=None):
    """Parse ``argv`` (without the program name) and set up logging."""
    logging.register_options(CONF)
    rpc.set_defaults(CONF)
    CONF(argv, project='consolehub', description=description)
    logging.setup(CONF, 'consolehub')


class ComputeService(object):
    """An RPC server on topic ``compute``, server ``[DEFAULT] host``.

    It sends a heartbeat to the ``services`` table every
    ``[DEFAULT] report_interval`` seconds so the API can pick up hosts.
    """

    def __init__(self, driver=None):
        self.host = CONF.host
        self.manager = compute_manager.ComputeManager(
            self.host, driver or libvirt_driver.LibvirtDriver())
        self._server = None
        self._stopped = threading.Event()
        self._heartbeat_thread = None

    def _heartbeat(self):
        context = consolehub_context.get_admin_context()
        db_api.service_heartbeat(context, self.host,
                                 compute_api.COMPUTE_BINARY,
                                 compute_rpcapi.TOPIC)

    def _heartbeat_loop(self):
        while not self._stopped.wait(CONF.report_interval):
            try:
                self._heartbeat()
            except Exception:
                LOG.exception('Heartbeat of %s failed', self.host)

    def start(self):
        self.manager.init_host(consolehub_context.get_admin_context())
        target = messaging.Target(topic=compute_rpcapi.TOPIC,
                                  server=self.host)
        self._server = messaging.get_rpc_server(
            rpc.get_transport(CONF), target, [self.manager],
            executor='threading', serializer=rpc.RequestContextSerializer())
        self._server.start()
        self._heartbeat()
        self._heartbeat_thread = threading.Thread(
            target=self._heartbeat_loop, name='heartbeat', daemon=True)
        self._heartbeat_thread.start()
        LOG.info('Compute agent %s is serving RPC', self.host)

    def stop(self):
        self._stopped.set()
        if self._server is not None:
            self._server.stop()
            self._server.wait()
        self.manager.cleanup_host()


def find_paste_config():
    """Absolute path of ``[api] api_paste_config``.

    Looked up as given, next to the config files, then in the installed
    ``<prefix>/etc/consolehub``.

    :raises RuntimeError: if it is nowhere.
    """
    name = CONF.api.api_paste_config
    candidates = [name, CONF.find_file(name),
                  os.path.join(sys.prefix, 'etc', 'consolehub', name),
                  os.path.join(os.path.dirname(__file__), '..', 'etc', name)]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate):
            return os.path.abspath(candidate)
    raise RuntimeError('Cannot find the paste config %s' % name)


def load_api_app():
    """The API's WSGI application as the paste pipeline defines it."""
    return deploy.loadapp('config:%s' % find_paste_config(),
                          name='consolehub')


def wait_for_stop_signal():
    """Block until SIGTERM or SIGINT arrives (main thread only)."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    stop.wait()


def api_service():
    """The API's WSGIService on ``[api] listen``:``listen_port``."""
    return WSGIService(load_api_app(), CONF.api.listen, CONF.api.listen_port,
                       CONF.api.workers)


class WSGIService(object):
    """The API under cheroot's threaded HTTP/1.1 server."""

    def __init__(self, app, host, port, threads):
        self._server = cheroot_wsgi.Server((host, port), app,
                                           numthreads=threads)
        self._thread = None

    @property
    def port(self):
        """The bound TCP port (useful when 0 was asked for)."""
        return self._server.bind_addr[1]

    def start(self):
        self._server.prepare()
        self._thread = threading.Thread(target=self._server.serve,
                                        name='api-server', daemon=True)
        self._thread.start()
        LOG.info('API listening on %s:%s', *self._server.bind_addr[:2])

    def stop(self):
        self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
