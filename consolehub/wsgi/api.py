"""The API as a WSGI ``application`` for uwsgi or any WSGI server.

Configuration files come from ``CONSOLEHUB_CONFIG_FILES`` (comma separated)
or default to ``/etc/consolehub/consolehub.conf``. No monkey-patching.
"""

import os

from consolehub.api import deploy
from consolehub import process


def init_application():
    """Parse configuration, set up logging, and load the paste pipeline."""
    files = os.environ.get('CONSOLEHUB_CONFIG_FILES',
                           '/etc/consolehub/consolehub.conf')
    argv = []
    for path in files.split(','):
        if path.strip():
            argv += ['--config-file', path.strip()]
    process.prepare(argv)
    return deploy.load_api_app()


application = init_application()
