"""consolehub-api: the REST API under a threaded HTTP server.

Production deployments may run ``consolehub.wsgi.api:application`` under
uwsgi instead.
"""

import sys

from consolehub import service


def main():
    service.prepare(sys.argv[1:])
    api = service.api_service()
    api.start()
    service.wait_for_stop_signal()
    api.stop()
