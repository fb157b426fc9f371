"""The API's own HTTP server (``consolehub-api``, ``consolehub-all``).

Production may run ``consolehub.wsgi.api:application`` under uwsgi
instead; this is cheroot's threaded HTTP/1.1 server on ``[api] listen``.
"""

import threading

from cheroot import wsgi as cheroot_wsgi
from oslo_log import log as logging

from consolehub.api import deploy
from consolehub.conf import CONF

LOG = logging.getLogger(__name__)


def api_service():
    """The API's WSGIService on ``[api] listen``:``listen_port``."""
    return WSGIService(deploy.load_api_app(), CONF.api.listen,
                       CONF.api.listen_port, CONF.api.workers)


class WSGIService(object):
    """A WSGI ``app`` under cheroot's threaded HTTP/1.1 server.

    :param threads: worker threads (int), each serving one request.
    """

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
