"""consolehub-api: the REST API under a threaded HTTP server.

Production deployments may run ``consolehub.wsgi.api:application`` under
uwsgi instead.
"""

import signal
import sys
import threading

from consolehub.conf import CONF
from consolehub import service


def main():
    service.prepare(sys.argv[1:])
    api = service.WSGIService(service.load_api_app(), CONF.api.listen,
                              CONF.api.listen_port, CONF.api.workers)
    api.start()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    stop.wait()
    api.stop()
