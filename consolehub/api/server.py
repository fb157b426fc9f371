"""The API's own HTTP server (``consolehub-api``, ``consolehub-all``).

Production may run ``consolehub.wsgi.api:application`` under uwsgi
instead; this is waitress (Pylons project) on ``[api] listen``, chosen
for how it meets slow and hostile clients:

* its event loop reads every request -- line, headers and body -- and
  hands a worker thread (``[api] workers``) only a complete one, so a
  client that sends slowly holds a socket, never a thread;
* request line and headers are bounded: past ``[api] max_header_size``
  bytes the answer is 431 (RFC 6585) and the connection closes; bodies
  past ``[api] max_body_size`` are a 413;
* at most ``[api] max_connections`` sockets are open at once (more wait
  in the listen backlog); one idle for ``[api] idle_timeout`` seconds is
  closed.

waitress's timeouts are idle timeouts, which a client sending a header
line now and then never meets (slowloris). The header deadline is added
here (:class:`_DeadlineServer`): a connection whose request line and
headers are not complete ``[api] header_timeout`` seconds after it
opened, or after its request's first byte, is closed.
"""

import copy
import re
import threading
import time

from oslo_log import log as logging
from waitress import channel as waitress_channel
from waitress import parser as waitress_parser
from waitress import server as waitress_server
from waitress import wasyncore

from consolehub.api import deploy
from consolehub.conf import CONF

LOG = logging.getLogger(__name__)

#: Seconds between two checks of the header deadline (and of waitress's
#: idle timeout): a late connection lives at most this much longer.
CHECK_INTERVAL = 1

#: Seconds the event loop waits for sockets before it looks at the
#: deadlines and at :meth:`WSGIService.stop` again.
LOOP_TIMEOUT = 1.0

#: Seconds :meth:`WSGIService.stop` waits for running requests.
STOP_TIMEOUT = 10

#: Image data uploads (Glance's ``PUT /v2/images/{id}/file``): their
#: bodies may reach ``[image] max_image_size``, not ``[api]
#: max_body_size``. waitress spools a body to a temporary file before
#: the application sees it (so before authentication); uwsgi, for
#: production, streams it to the application instead.
_IMAGE_DATA_PATH = re.compile(r'^/image/v2/images/[^/]+/file/?$')

#: Bytes past ``[image] max_image_size`` that waitress still takes, so
#: that a slightly larger upload reaches the image API, which refuses it
#: with a fault body rather than waitress's plain-text 413.
UPLOAD_MARGIN = 1024 * 1024


def api_service():
    """The API's WSGIService on ``[api] listen``:``listen_port`` with the
    ``[api]`` limits."""
    return WSGIService(
        deploy.load_api_app(), CONF.api.listen, CONF.api.listen_port,
        CONF.api.workers, max_header_size=CONF.api.max_header_size,
        header_timeout=CONF.api.header_timeout,
        idle_timeout=CONF.api.idle_timeout,
        max_connections=CONF.api.max_connections,
        max_body_size=CONF.api.max_body_size,
        max_upload_size=CONF.image.max_image_size + UPLOAD_MARGIN)


class _TimedRequestParser(waitress_parser.HTTPRequestParser):
    """waitress's parser of one request, knowing when its first byte came
    (wall-clock seconds, as waitress's own times)."""

    def __init__(self, adj):
        super().__init__(adj)
        self.started = time.time()

    def parse_header(self, header_plus):
        super().parse_header(header_plus)
        limit = getattr(self.adj, 'consolehub_max_upload_size', None)
        if (limit and self.command == 'PUT' and
                _IMAGE_DATA_PATH.match(self.path or '')):
            self.adj = copy.copy(self.adj)
            self.adj.max_request_body_size = limit


class _DeadlineChannel(waitress_channel.HTTPChannel):
    parser_class = _TimedRequestParser


class _DeadlineServer(waitress_server.TcpWSGIServer):
    """waitress's TCP server with a deadline on request headers.

    ``header_timeout`` (seconds) is set on the instance.
    """

    channel_class = _DeadlineChannel
    header_timeout = None

    def maintenance(self, now):
        """waitress's idle check, then close every connection whose
        headers are late (called each ``cleanup_interval`` from the
        event loop, with ``now`` from ``time.time()``)."""
        super().maintenance(now)
        cutoff = now - self.header_timeout
        for channel in list(self.active_channels.values()):
            if channel.requests or channel.will_close:
                continue  # a complete request is being served
            request = channel.request
            if request is not None:
                late = (not request.headers_finished and
                        request.started < cutoff)
            else:
                # Nothing received since it opened: the first request's
                # headers are late from the connection's start.
                late = (channel.last_activity == channel.creation_time and
                        channel.creation_time < cutoff)
            if late:
                LOG.debug('Closing a connection from %s: its request '
                          'headers took more than %ss', channel.addr,
                          self.header_timeout)
                channel.will_close = True


class WSGIService(object):
    """A WSGI ``app`` under waitress, served by a thread of its own.

    :param threads: worker threads (int), each serving one request.
    :param max_header_size: bytes of request line and headers (431 past
        them).
    :param header_timeout: seconds for a request's line and headers.
    :param idle_timeout: seconds a connection may send and read nothing.
    :param max_connections: sockets open at once.
    :param max_body_size: bytes of a request body (413 past them).
    :param max_upload_size: bytes of an image data upload's body; None:
        ``max_body_size``.
    """

    def __init__(self, app, host, port, threads, max_header_size=65536,
                 header_timeout=10, idle_timeout=60, max_connections=1000,
                 max_body_size=1048576, max_upload_size=None):
        self._server = _DeadlineServer(
            app, host=host, port=port, threads=threads,
            max_request_header_size=max_header_size,
            max_request_body_size=max_body_size,
            channel_timeout=idle_timeout, connection_limit=max_connections,
            cleanup_interval=CHECK_INTERVAL,
            # poll(2): select(2) cannot watch descriptors past 1023.
            asyncore_use_poll=True,
            # X-Forwarded-* are oslo.middleware's http_proxy_to_wsgi's to
            # trust or not ([oslo_middleware]); waitress leaves them be.
            clear_untrusted_proxy_headers=False,
            ident='consolehub')
        self._server.header_timeout = header_timeout
        self._server.adj.consolehub_max_upload_size = max_upload_size
        self._stopping = threading.Event()
        self._thread = None

    @property
    def port(self):
        """The bound TCP port (useful when 0 was asked for)."""
        return int(self._server.effective_port)

    def start(self):
        self._thread = threading.Thread(target=self._serve,
                                        name='api-server', daemon=True)
        self._thread.start()
        LOG.info('API listening on %s:%s', self._server.effective_host,
                 self._server.effective_port)

    def _serve(self):
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=LOOP_TIMEOUT, use_poll=True,
                               map=self._server._map, count=1)
        finally:
            wasyncore.close_all(self._server._map)
            self._server.task_dispatcher.shutdown(timeout=STOP_TIMEOUT)

    def stop(self):
        """Stop accepting, close every connection and wait (at most
        STOP_TIMEOUT seconds) for running requests."""
        self._stopping.set()
        if self._thread is None:
            wasyncore.close_all(self._server._map)
            return
        self._server.pull_trigger()
        self._thread.join(STOP_TIMEOUT + LOOP_TIMEOUT + 1)
