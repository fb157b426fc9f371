"""consolehub-api: the REST API under a threaded HTTP server.

Production deployments may run ``consolehub.wsgi.api:application`` under
uwsgi instead.
"""

import sys

from consolehub.api import server as api_server
from consolehub import process


def main():
    process.prepare(sys.argv[1:])
    api = api_server.api_service()
    api.start()
    process.wait_for_stop_signal()
    api.stop()
