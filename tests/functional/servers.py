"""Real consolehub processes for functional tests and benchmarks.

Starts the console scripts installed next to the running Python, each
with its own config file under a temporary state directory, on free
loopback ports.
"""

import configparser
import contextlib
import os
import signal
import socket
import subprocess
import sys
import urllib.parse

import pytest
import requests
import websockets.exceptions
from websockets.sync import client as ws_client

from tests import waiting

BIN_DIR = os.path.dirname(sys.executable)
QEMU_BINARY = '/usr/bin/qemu-system-x86_64'
CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'

#: Marks a test that drives headless Chromium.
needs_chromium = pytest.mark.skipif(
    not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
    reason='Chromium and chromium-driver are not installed')


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def novnc_token(access_url):
    """The console token inside a noVNC ``access_url``.

    noVNC's URL carries it in ``path=?token=...`` (percent-encoded).
    """
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(access_url).query)
    path_query = urllib.parse.urlsplit(query['path'][0]).query
    return urllib.parse.parse_qs(path_query)['token'][0]


def accepts_connections(address, port):
    """True if ``address``:``port`` accepts a TCP connection now."""
    try:
        socket.create_connection((address, port), 0.5).close()
    except OSError:
        return False
    return True


def wait_for_port(port, timeout=30.0, process=None, address='127.0.0.1'):
    """Wait until ``address``:``port`` accepts TCP connections.

    :raises tests.waiting.TimedOut: if ``process`` (a ``Popen``) exits
        first or ``timeout`` seconds pass.
    """
    waiting.wait_for(
        lambda: accepts_connections(address, port), timeout,
        message='a listener on %s:%s' % (address, port),
        processes=[process] if process is not None else ())


class Deployment(object):
    """A config file, a database and the consolehub processes using them.

    :param state_path: directory for the config, SQLite and libvirt root.
    :param options: ``{section: {option: value}}`` merged over defaults
        that put the API and the noVNC proxy on free ports.
    """

    def __init__(self, state_path, options=None):
        self.state_path = state_path
        self.api_port = free_port()
        self.proxy_port = free_port()
        config = configparser.ConfigParser(interpolation=None)
        config.read_dict({
            'DEFAULT': {'state_path': state_path,
                        'log_file': os.path.join(state_path, 'consolehub.log'),
                        'debug': 'true'},
            'api': {'listen_port': str(self.api_port)},
            'vnc': {'novncproxy_port': str(self.proxy_port),
                    'novncproxy_base_url':
                        'http://127.0.0.1:%s/vnc_lite.html' % self.proxy_port},
        })
        config.read_dict(options or {})
        self.config_file = os.path.join(state_path, 'consolehub.conf')
        with open(self.config_file, 'w') as config_out:
            config.write(config_out)
        self.processes = []

    @property
    def api_url(self):
        return 'http://127.0.0.1:%s' % self.api_port

    def console_ws_url(self, token):
        """The noVNC proxy's websocket URL for console ``token``."""
        return 'ws://127.0.0.1:%s/?token=%s' % (self.proxy_port, token)

    def manage(self, *args):
        """Run consolehub-manage; returns its stdout (str)."""
        return subprocess.run(
            [os.path.join(BIN_DIR, 'consolehub-manage'),
             '--config-file', self.config_file] + list(args),
            check=True, capture_output=True, text=True).stdout

    def create_token(self, project_id, user_id, roles=()):
        """A new API token (the last line consolehub-manage prints)."""
        args = ['token', 'create', '--project-id', project_id,
                '--user-id', user_id]
        for role in roles:
            args += ['--role', role]
        return self.manage(*args).strip().splitlines()[-1]

    def write_config(self, name, options):
        """Write another config file ``name`` in the state directory.

        Given after the main one (``extra_args=['--config-file', path]``),
        its ``{section: {option: value}}`` override the main file's, e.g.
        a second compute agent's ``host`` and ``state_path``.

        :returns: the file's path.
        """
        config = configparser.ConfigParser(interpolation=None)
        config.read_dict(options)
        path = os.path.join(self.state_path, name)
        with open(path, 'w') as config_out:
            config.write(config_out)
        return path

    def start(self, command, wait_port=None, extra_args=(), name=None,
              env=None):
        """Start ``command`` (a console script name) with our config.

        Its stdout and stderr go to ``<name>.out`` in the state directory;
        ``name`` defaults to ``command`` (give one to tell apart two
        processes of the same command). ``env``: variables added to the
        environment.
        """
        log = open(os.path.join(self.state_path, (name or command) + '.out'),
                   'ab')
        process = subprocess.Popen(
            [os.path.join(BIN_DIR, command), '--config-file',
             self.config_file] + list(extra_args),
            stdout=log, stderr=subprocess.STDOUT,
            env=dict(os.environ, **env) if env else None)
        log.close()
        self.processes.append(process)
        if wait_port is not None:
            wait_for_port(wait_port, 60, process)
        return process

    def stop(self):
        """SIGTERM every process, then SIGKILL what is left after 20 s."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes = []


@contextlib.contextmanager
def all_in_one(state_path, options=None, more_ports=(), env=None):
    """``consolehub-all`` on a fresh SQLite database in ``state_path``.

    Yields the :class:`Deployment` once its API, its noVNC proxy and
    ``more_ports`` (other proxies ``options`` enable) accept connections;
    stops it afterwards. ``env``: added to its environment.
    """
    deployment = Deployment(state_path, options)
    try:
        deployment.manage('db', 'sync')
        deployment.start('consolehub-all', wait_port=deployment.api_port,
                         env=env)
        for port in (deployment.proxy_port,) + tuple(more_ports):
            wait_for_port(port, 30)
        yield deployment
    finally:
        deployment.stop()


class ApiClient(object):
    """A requests session that sends X-Auth-Token to one API."""

    def __init__(self, base_url, token):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers['X-Auth-Token'] = token

    def request(self, method, path, **kwargs):
        return self.session.request(method, self.base_url + path,
                                    timeout=60, **kwargs)

    def create_instance(self, name, **fields):
        response = self.request('POST', '/instances',
                                json={'instance': dict(name=name, **fields)})
        assert response.status_code == 202, response.text
        return response.json()['instance']

    def wait_for_status(self, instance_id, status, timeout=60.0):
        """Poll until the instance has ``status``; returns the instance.

        :raises AssertionError: if it goes to ERROR instead (with its
            fault), or ``timeout`` seconds pass.
        """
        last = {}

        def reached():
            instance = last['instance'] = self.request(
                'GET', '/instances/' + instance_id).json()['instance']
            assert instance['status'] != 'ERROR' or status == 'ERROR', (
                'instance %s is ERROR, not %s; fault: %s'
                % (instance_id, status, instance.get('fault')))
            return instance if instance['status'] == status else None

        return waiting.wait_for(
            reached, timeout,
            message=lambda: 'instance %s (%s) reaching %s' % (
                instance_id, last['instance']['status'], status))

    def console_url(self, instance_id):
        response = self.request(
            'POST', '/servers/%s/remote-consoles' % instance_id,
            json={'remote_console': {'protocol': 'vnc', 'type': 'novnc'}})
        assert response.status_code == 200, response.text
        return response.json()['remote_console']['url']


def chromium(profile_dir):
    """A headless Chromium (selenium WebDriver), 1024x768, with its
    profile in ``profile_dir`` and no network use of its own; the caller
    quits it."""
    from selenium import webdriver
    from selenium.webdriver.chrome import service as chrome_service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ('--headless=new', '--no-sandbox', '--disable-gpu',
                     '--disable-background-networking', '--disable-quic',
                     '--disable-component-update', '--disable-sync',
                     '--no-first-run', '--window-size=1024,768',
                     '--user-data-dir=%s' % profile_dir):
        options.add_argument(argument)
    return webdriver.Chrome(
        options=options,
        service=chrome_service.Service(executable_path=CHROMEDRIVER))


def refusal_status(url, **kwargs):
    """The HTTP status refusing a websocket upgrade to ``url``; fails the
    test if the upgrade succeeds."""
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        # proxy=None: never through an HTTP proxy from the environment.
        ws_client.connect(url, open_timeout=10, proxy=None, **kwargs)
    return refused.value.response.status_code


def qemu_runs(pattern):
    """True while a process whose command line holds ``pattern`` (e.g.
    ``instance-<uuid>``) exists."""
    return subprocess.run(['pgrep', '-f', pattern],
                          stdout=subprocess.DEVNULL).returncode == 0


def kill_processes(pattern):
    """SIGKILL every process whose command line holds ``pattern`` (e.g.
    the QEMUs a failed test left behind: guests outlive their agent)."""
    out = subprocess.run(['pgrep', '-f', pattern],
                         capture_output=True, text=True).stdout
    for pid in out.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass


def kill_guest(instance_uuid):
    """SIGKILL a QEMU a failed test left behind, found by instance UUID."""
    kill_processes('instance-%s' % instance_uuid)
