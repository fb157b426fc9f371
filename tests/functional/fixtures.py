"""Gabbi fixtures: the API's paste pipeline over real components.

Every fixture gives the YAML files that name it a fresh world: a temporary
``[DEFAULT] state_path`` holding a SQLite database migrated to head, the
in-process ``fake://`` RPC transport, API tokens for three callers and,
depending on the class, a compute agent serving RPC in this process.

Nothing is mocked: requests go through the pipeline of
``etc/api-paste.ini`` with ``[api] auth_strategy = token``, the handlers
call the compute API, which casts to and calls the agent over
oslo.messaging, and the agent drives libvirt.

Callers, exported as environment variables for ``$ENVIRON[...]``:

========================== ============= ====== ======
variable                   project       user   roles
========================== ============= ====== ======
``CONSOLEHUB_TOKEN_A``     project-a     user-a member
``CONSOLEHUB_TOKEN_B``     project-b     user-b member
``CONSOLEHUB_TOKEN_ADMIN`` admin-project admin  admin
``CONSOLEHUB_TOKEN_READER`` project-a    user-r reader
``CONSOLEHUB_TOKEN_NOROLE`` project-a    user-n (none)
========================== ============= ====== ======

The compute agent's ``[DEFAULT] host`` is ``gabbi-compute``.
"""

import atexit
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import unittest

from gabbi import fixture

from consolehub.api import deploy
from consolehub.compute import rpcapi as compute_rpcapi
from consolehub.compute import service as compute_service
from consolehub import context as consolehub_context
from consolehub.db import api_tokens as db_api_tokens
from consolehub.db import engine as db_engine
from consolehub.db import migration
from consolehub.db import services as db_services
from consolehub.objects import instance as instance_obj
from consolehub.objects import secret
from consolehub.objects import service as service_obj
from consolehub import rpc
from tests import conf
from tests.functional import databases

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..',
                                         '..'))
PASTE_CONFIG = os.path.join(REPO_ROOT, 'etc', 'api-paste.ini')
QEMU_BINARY = '/usr/bin/qemu-system-x86_64'
QEMU_IMG = '/usr/bin/qemu-img'

HOST = 'gabbi-compute'

#: Where the fixtures keep state: ``sqlite`` (the default, a file per
#: fixture), ``postgresql`` or ``mysql`` (a fresh database per fixture on
#: this machine's server, dropped afterwards), so that the same suite runs
#: on each (``tox -e functional-postgresql``, ``functional-mysql``).
DATABASE_VARIABLE = 'CONSOLEHUB_TEST_DATABASE'

#: Environment variable -> (project_id, user_id, roles) of an API token.
CALLERS = {
    'CONSOLEHUB_TOKEN_A': ('project-a', 'user-a', ['member']),
    'CONSOLEHUB_TOKEN_B': ('project-b', 'user-b', ['member']),
    'CONSOLEHUB_TOKEN_ADMIN': ('admin-project', 'admin', ['admin']),
    'CONSOLEHUB_TOKEN_READER': ('project-a', 'user-r', ['reader']),
    'CONSOLEHUB_TOKEN_NOROLE': ('project-a', 'user-n', []),
}

#: JSON bodies of exactly oslo.middleware's default ``[oslo_middleware]
#: max_request_body_size`` (114688 bytes) and one byte more, for the 413
#: tests. YAML cannot build them, so they travel in these variables.
LARGEST_BODY_VARIABLE = 'CONSOLEHUB_LARGEST_BODY'
OVERSIZED_BODY_VARIABLE = 'CONSOLEHUB_OVERSIZED_BODY'
MAX_REQUEST_BODY_SIZE = 114688

_QEMU_ROOT_LOCK = threading.Lock()


def create_body(size):
    """A JSON create body of ``size`` bytes (its name is far too long)."""
    template = '{"instance": {"name": "%s"}}'
    return template % ('x' * (size - len(template % '')))


#: The WSGI app of the fixture running now (only one runs at a time).
_APP = None

_QEMU_ROOT = None


def running_app(environ, start_response):
    """WSGI entry point passing each request to the running fixture's app."""
    if _APP is None:
        raise RuntimeError('No consolehub API fixture is running.')
    return _APP(environ, start_response)


def setup_app():
    """The gabbi ``intercept``: a WSGI app for httpx's WSGITransport.

    Gabbi calls this once per test while it collects them, before any
    fixture has configured the service, so it returns
    :func:`running_app`; each fixture loads the real pipeline with
    ``consolehub.api.deploy.load_api_app()`` once its configuration is set.
    """
    return running_app


class APIFixture(fixture.GabbiFixture):
    """API, database and a compute agent on libvirt's ``test:///default``.

    The test driver starts guests at once but never allocates a VNC port,
    so consoles on it answer 400 "not available".
    """

    #: Whether an in-process compute agent serves RPC.
    start_compute = True
    #: Whether the agent's heartbeat is recorded without an agent serving
    #: RPC: the API then sees the host up but no one answers.
    heartbeat_only = False
    compute_call_timeout = 5

    def connection_uri(self):
        return 'test:///default'

    def configure(self):
        """Set the options a subclass changes (after the common ones)."""

    def _database_url(self):
        backend = os.environ.get(DATABASE_VARIABLE) or 'sqlite'
        if backend == 'sqlite':
            return 'sqlite:///%s' % os.path.join(self.tmp_dir,
                                                 'consolehub.sqlite')
        if backend not in databases.BACKENDS:
            raise ValueError('%s must be sqlite or one of %s, not %r'
                             % (DATABASE_VARIABLE,
                                ', '.join(databases.BACKENDS), backend))
        # Skips the test, saying why, if the server is not reachable.
        self.database = databases.create(backend, prefix='consolehub_gabbi')
        return self.database.url

    def start_fixture(self):
        self.tmp_dir = None
        self.database = None
        self.compute = None
        self._compute_started = False
        self.conf_fixture = None
        self._environ = []
        try:
            self._start()
        except BaseException:
            self.stop_fixture()
            raise

    def _start(self):
        global _APP
        # Options as a process parses them, but no configuration file of
        # the machine is read; every override goes at the fixture's stop.
        self.conf_fixture = conf.ConfFixture()
        self.conf_fixture.setUp()
        self.tmp_dir = tempfile.mkdtemp(prefix='chub-')
        self.conf_fixture.config(state_path=self.tmp_dir, host=HOST,
                                 transport_url='fake://')
        self.conf_fixture.config(connection=self._database_url(),
                                 group='database')
        self.conf_fixture.config(connection_uri=self.connection_uri(),
                                 group='libvirt')
        self.conf_fixture.config(
            auth_strategy='token', api_paste_config=PASTE_CONFIG,
            compute_call_timeout=self.compute_call_timeout, group='api')
        self.configure()
        rpc.cleanup()
        db_engine.reset()
        migration.db_sync()

        admin = consolehub_context.get_admin_context()
        for variable, (project_id, user_id, roles) in CALLERS.items():
            raw_token = secrets.token_urlsafe(32)
            db_api_tokens.api_token_create(
                admin, secret.hash_secret(raw_token), project_id, user_id,
                roles)
            self._setenv(variable, raw_token)
        self._setenv(LARGEST_BODY_VARIABLE,
                     create_body(MAX_REQUEST_BODY_SIZE))
        self._setenv(OVERSIZED_BODY_VARIABLE,
                     create_body(MAX_REQUEST_BODY_SIZE + 1))

        if self.start_compute:
            self.compute = compute_service.ComputeService()
            self.compute.start()
            self._compute_started = True
        elif self.heartbeat_only:
            db_services.service_heartbeat(
                admin, HOST, service_obj.COMPUTE_BINARY, compute_rpcapi.TOPIC)
        _APP = deploy.load_api_app()

    def stop_fixture(self):
        global _APP
        _APP = None
        try:
            self._stop_compute()
        finally:
            self._forget_world()

    def _stop_compute(self):
        if self.compute is None:
            return
        try:
            if self._compute_started:
                self._remove_guests()
        finally:
            self.compute.stop()
            self.compute = None

    def _forget_world(self):
        """Undo everything but the compute agent, even after an error."""
        rpc.cleanup()
        db_engine.reset()
        if getattr(self, 'database', None) is not None:
            self.database.drop()
            self.database = None
        if self.conf_fixture is not None:
            self.conf_fixture.cleanUp()
            self.conf_fixture = None
        for variable in self._environ:
            os.environ.pop(variable, None)
        self._environ = []
        if self.tmp_dir is not None:
            shutil.rmtree(self.tmp_dir, ignore_errors=True)
            self.tmp_dir = None

    def _remove_guests(self):
        """Remove the guests of instances the tests left behind."""
        admin = consolehub_context.get_admin_context()
        for instance in instance_obj.get_all_by_host(admin, HOST):
            self.compute.manager.driver.destroy(instance)

    def _setenv(self, variable, value):
        os.environ[variable] = value
        self._environ.append(variable)


class NoComputeFixture(APIFixture):
    """No compute agent has ever reported: every new instance is ERROR
    with a "No valid host" fault, as in Nova."""

    start_compute = False


class ComputeDownFixture(APIFixture):
    """The agent's heartbeat is fresh but nothing serves its RPC topic.

    New instances are placed on ``gabbi-compute`` and stay in BUILD;
    synchronous calls (delete) time out after ``[api]
    compute_call_timeout`` (1 second) and answer 503.
    """

    start_compute = False
    heartbeat_only = True
    compute_call_timeout = 1


class FaultyComputeFixture(APIFixture):
    """The agent's driver fails every start and every destroy
    (:class:`tests.lifecycle_drivers.FaultDriver`): builds end in ERROR
    with the reason, deletes answer 500 and leave the instance in ERROR.
    """

    FAULTS = {'start': 'raise', 'destroy': 'raise:HypervisorError'}

    def configure(self):
        from tests import lifecycle_drivers
        self.conf_fixture.config(
            compute_driver='tests.lifecycle_drivers.FaultDriver')
        lifecycle_drivers.write_faults(self.tmp_dir, self.FAULTS)

    def stop_fixture(self):
        from tests import lifecycle_drivers
        if self.tmp_dir is not None:
            lifecycle_drivers.write_faults(self.tmp_dir, {})
        super().stop_fixture()


def _embedded_qemu_root():
    """The embedded QEMU driver's root: one per process.

    Once opened, libvirt keeps the embedded driver of its first root for
    the life of the process and refuses any other root, so every
    QemuFixture shares this directory; guests are removed at each stop.
    """
    global _QEMU_ROOT
    with _QEMU_ROOT_LOCK:
        if _QEMU_ROOT is None:
            _QEMU_ROOT = tempfile.mkdtemp(prefix='chub-qemu-')
            atexit.register(shutil.rmtree, _QEMU_ROOT, True)
        return _QEMU_ROOT


class QemuFixture(APIFixture):
    """A compute agent on libvirt's embedded QEMU driver.

    Guests are real (TCG) QEMU processes with a VNC server on an autoport,
    so consoles can be created. Skipped when QEMU is not installed.
    """

    #: A base URL unlike the default, to show the option is honoured.
    novncproxy_base_url = 'https://consoles.example.org:6443/vnc_lite.html'

    def connection_uri(self):
        return 'qemu:///embed?root=%s' % _embedded_qemu_root()

    def configure(self):
        self.conf_fixture.config(
            novncproxy_base_url=self.novncproxy_base_url, group='vnc')
        self._setenv('CONSOLEHUB_NOVNC_BASE_URL', self.novncproxy_base_url)

    def start_fixture(self):
        if not os.access(QEMU_BINARY, os.X_OK):
            raise unittest.SkipTest(
                '%s is not installed: the embedded QEMU driver cannot start '
                'guests, so consoles cannot be tested' % QEMU_BINARY)
        super().start_fixture()


#: Where :class:`ImageFixture` writes the files the image tests upload
#: (``data: <@crafted-images/NAME``): gabbi reads data files only from
#: under the YAML files' directory. Not in git (.gitignore).
CRAFTED_IMAGES = os.path.join(os.path.dirname(__file__), 'gabbits',
                              'crafted-images')


def _qemu_img(*args):
    subprocess.run((QEMU_IMG,) + args, check=True, capture_output=True)


def _sized_file(path, size):
    with open(path, 'wb') as out:
        out.truncate(size)


def make_crafted_images(directory, max_image_size):
    """Write the image files of the image API tests into ``directory``.

    ``good.qcow2``: a plain 64 MiB qcow2; ``backing.qcow2`` names it as
    backing file; ``data-file.qcow2`` keeps its data in an external file;
    ``huge.qcow2`` claims a 2 GiB disk; ``disk.vmdk`` is VMDK;
    ``zeros.raw`` is 1 MiB of zeros; ``mbr.raw`` a 1 MiB disk with an MBR
    partition table (raw, though the inspector sees "gpt");
    ``at-limit.raw`` and ``over-limit.raw`` are ``max_image_size`` bytes
    and one more.
    """
    os.makedirs(directory, exist_ok=True)

    def path(name):
        return os.path.join(directory, name)

    _qemu_img('create', '-f', 'qcow2', path('good.qcow2'), '64M')
    _qemu_img('create', '-f', 'qcow2', '-b', path('good.qcow2'), '-F',
              'qcow2', path('backing.qcow2'), '64M')
    _qemu_img('create', '-f', 'qcow2', '-o',
              'data_file=%s' % path('data-file.bin'),
              path('data-file.qcow2'), '1M')
    _qemu_img('create', '-f', 'qcow2', path('huge.qcow2'), '2G')
    _qemu_img('create', '-f', 'vmdk', path('disk.vmdk'), '1M')
    _sized_file(path('zeros.raw'), 1024 * 1024)
    _sized_file(path('mbr.raw'), 1024 * 1024)
    subprocess.run(['sfdisk', '--quiet', '--label', 'dos', path('mbr.raw')],
                   input='start=64, type=83\n', text=True, check=True,
                   capture_output=True)
    _sized_file(path('at-limit.raw'), max_image_size)
    _sized_file(path('over-limit.raw'), max_image_size + 1)


class ImageFixture(APIFixture):
    """The API with a small image store limit and crafted image files.

    ``[image] max_image_size`` is :data:`MAX_IMAGE_SIZE` and ``[image]
    max_virtual_size`` 1 GiB, so that ``over-limit.raw`` and
    ``huge.qcow2`` (:func:`make_crafted_images`) are refused.
    """

    MAX_IMAGE_SIZE = 4 * 1024 * 1024

    def configure(self):
        self.conf_fixture.config(max_image_size=self.MAX_IMAGE_SIZE,
                                 max_virtual_size=1024 ** 3, group='image')
        make_crafted_images(CRAFTED_IMAGES, self.MAX_IMAGE_SIZE)

    def stop_fixture(self):
        try:
            super().stop_fixture()
        finally:
            shutil.rmtree(CRAFTED_IMAGES, ignore_errors=True)


class RecordingFixture(APIFixture):
    """Console sessions of an instance of project-a, as the proxy leaves
    them: one recorded (its file in ``[console] record_directory``), one
    recorded whose file was purged, one not recorded.

    Exports ``CONSOLEHUB_RECORDED_INSTANCE``, ``CONSOLEHUB_RECORDED_SESSION``,
    ``CONSOLEHUB_PURGED_SESSION``, ``CONSOLEHUB_UNRECORDED_SESSION`` and
    ``CONSOLEHUB_RECORDING_BYTES`` (the recorded file's size).
    """

    def _start(self):
        from consolehub.console import recorder
        from consolehub.objects import console_auth_token
        from consolehub.objects import console_session as session_obj

        super()._start()
        context = consolehub_context.RequestContext(project_id='project-a',
                                                    user_id='user-a')
        instance = instance_obj.create(context, 'recorded', 64, 1, HOST)
        self._setenv('CONSOLEHUB_RECORDED_INSTANCE', instance['uuid'])
        directory = os.path.join(self.tmp_dir, 'console-recordings')
        os.makedirs(directory)
        for variable, record, keep in (
                ('CONSOLEHUB_RECORDED_SESSION', True, True),
                ('CONSOLEHUB_PURGED_SESSION', True, False),
                ('CONSOLEHUB_UNRECORDED_SESSION', False, False)):
            raw_token, _row = console_auth_token.mint(
                context, ('vnc', 'novnc'), '127.0.0.1', 5900,
                instance['uuid'], None, record=record)
            _outcome, _token, row = session_obj.redeem(
                console_auth_token.hash_token(raw_token), 'novnc',
                '127.0.0.1', True, 0)
            session_obj.finish([(row['uuid'], 'client closed', 12, 3)])
            self._setenv(variable, row['uuid'])
            if keep:
                data = (recorder.encode_header(row['uuid'], instance['uuid'],
                                               'novnc', 0.0) +
                        recorder.RECORD_HEAD.pack(recorder.GUEST, 0, 12) +
                        b'RFB 003.008\n')
                with open(session_obj.recording_path(row['uuid']),
                          'wb') as recording:
                    recording.write(data)
                self._setenv('CONSOLEHUB_RECORDING_BYTES', str(len(data)))
