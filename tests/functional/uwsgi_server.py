"""The API under uwsgi with the shipped ``etc/uwsgi/consolehub-api.ini``.

uwsgi comes from the venv (pip ``uwsgi``) or the PATH; without it the
test that asks for it skips and says so.
"""

import os
import shutil
import subprocess

import pytest

from tests.functional import servers

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
UWSGI_INI = os.path.join(REPO, 'etc', 'uwsgi', 'consolehub-api.ini')


def uwsgi_binary():
    """The uwsgi next to this Python, else on PATH; None if neither."""
    candidate = os.path.join(servers.BIN_DIR, 'uwsgi')
    if os.access(candidate, os.X_OK):
        return candidate
    return shutil.which('uwsgi')


def start_uwsgi(deployment, port, ini=UWSGI_INI, extra_env=None,
                name='uwsgi'):
    """Start uwsgi with ``ini`` on 127.0.0.1:``port``; wait until it serves.

    The process joins ``deployment.processes`` (stopped with SIGTERM);
    its output goes to ``<name>.out`` in the deployment's directory.

    :raises pytest.skip.Exception: if uwsgi is not installed.
    """
    binary = uwsgi_binary()
    if binary is None:
        pytest.skip('uwsgi is not installed (pip install uwsgi)')
    env = dict(os.environ,
               CONSOLEHUB_CONFIG_FILES=deployment.config_file,
               CONSOLEHUB_API_LISTEN='127.0.0.1:%s' % port)
    env.update(extra_env or {})
    log = open(os.path.join(deployment.state_path, name + '.out'), 'ab')
    process = subprocess.Popen([binary, '--ini', ini], env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deployment.processes.append(process)
    servers.wait_for_port(port, 60, process)
    return process


def worker_pids(master_pid):
    """Sorted PIDs of the uwsgi master's children (its workers)."""
    out = subprocess.run(['pgrep', '-P', str(master_pid)],
                         capture_output=True, text=True).stdout
    return sorted(int(pid) for pid in out.split())
