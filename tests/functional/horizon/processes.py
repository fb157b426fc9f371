"""Server processes of the Horizon harness: uwsgi, and waiting for HTTP.

Keystone and Horizon are served by uwsgi (pip ``uwsgi``, a test
dependency), each in one master and one worker process with a few
threads; each logs to a file of its own in the harness's state directory.
"""

import os
import signal
import subprocess
import sys
import time

import requests

from tests.functional import servers

#: Seconds a uwsgi server gets to stop on SIGTERM before SIGKILL.
STOP_TIMEOUT = 20


def openstack_bin_dir():
    """The bin directory holding keystone-manage, django-admin and uwsgi.

    ``CONSOLEHUB_TEST_OPENSTACK_BIN`` names another virtualenv's bin
    directory; by default it is the running Python's (the tox ``horizon``
    environment installs Keystone and Horizon beside consolehub).
    """
    return os.environ.get('CONSOLEHUB_TEST_OPENSTACK_BIN',
                          os.path.dirname(sys.executable))


def openstack_command(name):
    """Absolute path of console script ``name`` in the OpenStack venv."""
    return os.path.join(openstack_bin_dir(), name)


def missing_openstack():
    """Why Keystone and Horizon cannot run here, or None if they can."""
    for name in ('keystone-manage', 'django-admin', 'uwsgi'):
        if not os.access(openstack_command(name), os.X_OK):
            return ('%s is not in %s (tox -e horizon installs Keystone '
                    'and Horizon)' % (name, openstack_bin_dir()))
    if not (os.path.exists(servers.CHROMIUM)
            and os.path.exists(servers.CHROMEDRIVER)):
        return 'Chromium and chromium-driver are not installed'
    if not os.path.exists(servers.QEMU_BINARY):
        return 'QEMU (%s) is not installed' % servers.QEMU_BINARY
    return None


def run(argv, log_path, env=None, timeout=300):
    """Run a set-up command to completion, its output appended to
    ``log_path``.

    :raises RuntimeError: with the log's tail if it exits non-zero or
        takes longer than ``timeout`` seconds.
    """
    with open(log_path, 'ab') as log:
        log.write(('$ %s\n' % ' '.join(argv)).encode())
        log.flush()
        try:
            returncode = subprocess.run(
                argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            returncode = 'a time-out after %ss' % timeout
    if returncode != 0:
        raise RuntimeError('%s failed with %s:\n%s'
                           % (argv[0], returncode, tail(log_path)))


def tail(path, size=4000):
    """The last ``size`` characters of a log file (str)."""
    with open(path, 'rb') as log:
        log.seek(max(0, os.path.getsize(path) - size))
        return log.read().decode('utf-8', 'replace')


class UwsgiServer(object):
    """A WSGI application under uwsgi on 127.0.0.1:``port``.

    :param name: names the log file ``<state_path>/<name>-uwsgi.log``.
    :param module: the application, ``package.module:callable``.
    :param options: more uwsgi options, ``[(name, value)]``.
    :param env: the process's environment variables (merged over ours).
    """

    def __init__(self, name, module, port, state_path, options=(),
                 env=None):
        self.name = name
        self.port = port
        self.log_path = os.path.join(state_path, name + '-uwsgi.log')
        self.argv = [
            openstack_command('uwsgi'),
            '--http11-socket', '127.0.0.1:%s' % port,
            '--module', module,
            '--master', '--processes', '1', '--threads', '4',
            '--enable-threads', '--need-app', '--die-on-term',
            '--buffer-size', '65535', '--procname-prefix-spaced',
            'test-%s:' % name]
        for option, value in options:
            self.argv += ['--' + option, value]
        self.env = dict(os.environ, **(env or {}))
        self.process = None

    @property
    def url(self):
        return 'http://127.0.0.1:%s' % self.port

    def start(self, ready_path='/', timeout=120):
        """Start uwsgi; return once ``ready_path`` answers below 500.

        :raises RuntimeError: if uwsgi exits or ``timeout`` seconds pass.
        """
        log = open(self.log_path, 'ab')
        self.process = subprocess.Popen(
            self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
        log.close()
        try:
            wait_for_http(self.url + ready_path, timeout, self.process)
        except RuntimeError as error:
            raise RuntimeError('%s: %s\n%s' % (self.name, error,
                                               tail(self.log_path)))

    def stop(self):
        """SIGTERM, then SIGKILL after :data:`STOP_TIMEOUT` seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wait_for_http(url, timeout, process=None):
    """Poll ``url`` until it answers with a status below 500.

    :raises RuntimeError: if ``process`` exits first or ``timeout``
        seconds pass.
    """
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError('exited with %s before %s answered'
                               % (process.returncode, url))
        try:
            response = requests.get(url, timeout=5, allow_redirects=False)
            if response.status_code < 500:
                return response
            last = 'HTTP %s' % response.status_code
        except requests.RequestException as error:
            last = error
        time.sleep(0.1)
    raise RuntimeError('%s did not answer within %ss (last: %s)'
                       % (url, timeout, last))
