"""Keystone, consolehub and Horizon on 127.0.0.1, wired as a cloud.

:func:`cloud` starts, in order:

1. Keystone (:mod:`tests.functional.horizon.keystone`) with the
   bootstrap ``admin``, a ``service`` project holding consolehub's service
   user, and a ``demo`` project whose user ``demo`` has the ``member``
   role;
2. ``consolehub-all`` with ``[api] auth_strategy = keystone`` validating
   tokens with that Keystone, registered in the catalog as ``compute``
   (``/v2.1``) and ``image`` (``/image``);
3. Horizon (:mod:`tests.functional.horizon.dashboard`).

consolehub's own pipeline has no access log, so the harness serves the
shipped ``etc/api-paste.ini`` with Paste's ``translogger`` in front of it:
one ``consolehub-access METHOD PATH STATUS`` line per request in
consolehub's log (:class:`AccessLog`).
"""

import concurrent.futures
import configparser
import contextlib
import os
import re
import secrets

from tests.functional.horizon import dashboard
from tests.functional.horizon import keystone
from tests.functional import servers

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
SHIPPED_PASTE_CONFIG = os.path.join(REPO, 'etc', 'api-paste.ini')

ACCESS_MARKER = 'consolehub-access'


class User(object):
    """A Keystone user: ``name``, ``password``, ``project`` (name),
    ``project_id`` and ``user_id``."""

    def __init__(self, name, password, project, project_id=None,
                 user_id=None):
        self.name = name
        self.password = password
        self.project = project
        self.project_id = project_id
        self.user_id = user_id

    def token(self, keystone_v3_url):
        """A new project-scoped Keystone token (str)."""
        return keystone.password_token(keystone_v3_url, self.name,
                                       self.password, self.project)


class Cloud(object):
    """What :func:`cloud` yields.

    :ivar keystone: the :class:`keystone.Keystone`.
    :ivar consolehub: the :class:`tests.functional.servers.Deployment`.
    :ivar dashboard: the :class:`dashboard.Dashboard`.
    :ivar users: ``{'admin': User, 'demo': User}``.
    :ivar access_log: consolehub's :class:`AccessLog`.
    """

    def __init__(self, keystone_server, consolehub, horizon, users):
        self.keystone = keystone_server
        self.consolehub = consolehub
        self.dashboard = horizon
        self.users = users
        self.access_log = AccessLog(os.path.join(consolehub.state_path,
                                                 'consolehub.log'))

    def add_member(self, name):
        """A new project ``name`` with a new user ``name`` holding the
        ``member`` role in it; returns the :class:`User`."""
        identity = self.keystone.admin()
        user = User(name, secrets.token_hex(16), name,
                    identity.create_project(name))
        user.user_id = identity.create_user(name, user.password,
                                            user.project_id, ['member'])
        self.users[name] = user
        return user

    def api(self, user):
        """A :class:`servers.ApiClient` of consolehub with a Keystone
        token of ``user`` (a name in :attr:`users`)."""
        return servers.ApiClient(
            self.consolehub.api_url,
            self.users[user].token(self.keystone.v3_url))

    def upload_image(self, user, name, path):
        """Upload the qcow2 file ``path`` as a private image ``name`` of
        ``user`` through consolehub's image API; returns its id.

        :raises AssertionError: if the API refuses, or the image is not
            active after the upload.
        """
        api = self.api(user)
        response = api.request('POST', '/image/v2/images', json={
            'name': name, 'disk_format': 'qcow2',
            'container_format': 'bare'})
        assert response.status_code == 201, response.text
        image_id = response.json()['id']
        with open(path, 'rb') as data:
            response = api.request(
                'PUT', '/image/v2/images/%s/file' % image_id, data=data,
                headers={'Content-Type': 'application/octet-stream'})
        assert response.status_code == 204, response.text
        image = api.request('GET', '/image/v2/images/' + image_id).json()
        assert image['status'] == 'active', image
        return image_id


class AccessLog(object):
    """consolehub's requests, as ``(method, path, status)`` tuples, read
    from its log file."""

    PATTERN = re.compile(r'%s (\S+) (\S+) (\d{3})' % ACCESS_MARKER)

    def __init__(self, path):
        self.path = path

    def mark(self):
        """The current end of the log: give it to :meth:`since`."""
        return os.path.getsize(self.path)

    def since(self, mark):
        """The requests logged after ``mark``, oldest first."""
        with open(self.path, 'rb') as log:
            log.seek(mark)
            text = log.read().decode('utf-8', 'replace')
        return [(method, path, int(status))
                for method, path, status in self.PATTERN.findall(text)]


def write_paste_config(path):
    """The shipped paste config with an access log before its keystone
    pipeline, written to ``path``."""
    config = configparser.ConfigParser(interpolation=None)
    config.optionxform = str
    config.read(SHIPPED_PASTE_CONFIG)
    composite = 'composite:consolehub'
    config[composite]['keystone'] = (
        'accesslog ' + config[composite]['keystone'].strip())
    # PasteDeploy interpolates %(name)s itself: %% keeps them for
    # translogger's format.
    config['filter:accesslog'] = {
        'paste.filter_app_factory': 'paste.translogger:make_filter',
        'setup_console_handler': 'false',
        'format': '%s %%%%(REQUEST_METHOD)s %%%%(REQUEST_URI)s '
                  '%%%%(status)s' % ACCESS_MARKER,
    }
    with open(path, 'w') as out:
        config.write(out)
    return path


def _consolehub_options(state_path, keystone_server, service_password):
    return {
        'api': {
            'auth_strategy': 'keystone',
            'api_paste_config': write_paste_config(
                os.path.join(state_path, 'api-paste.ini')),
        },
        'keystone_authtoken': {
            'www_authenticate_uri': keystone_server.v3_url,
            'auth_url': keystone_server.url,
            'auth_type': 'password',
            'username': 'consolehub',
            'password': service_password,
            'project_name': 'service',
            'user_domain_id': keystone.DOMAIN_ID,
            'project_domain_id': keystone.DOMAIN_ID,
            'service_type': 'compute',
        },
    }


@contextlib.contextmanager
def cloud(state_path):
    """Keystone, consolehub and Horizon on free ports under
    ``state_path``; yields a :class:`Cloud` and stops them all after.

    :raises RuntimeError: if a service fails to set up or start (with its
        log's tail).
    """
    identity_server = keystone.Keystone(os.path.join(state_path, 'keystone'))
    horizon = dashboard.Dashboard(os.path.join(state_path, 'horizon'),
                                  identity_server.v3_url)
    with contextlib.ExitStack() as cleanup:
        # Horizon's static files take a quarter of a minute to build and
        # need nothing running: built meanwhile.
        pool = cleanup.enter_context(
            concurrent.futures.ThreadPoolExecutor(1))
        static_files = pool.submit(horizon.setup)
        identity_server.setup()
        cleanup.callback(identity_server.stop)
        identity_server.start()
        identity = identity_server.admin()

        service_password = secrets.token_hex(16)
        identity.create_user('consolehub', service_password,
                             identity.create_project('service'),
                             ['service'])
        demo = User('demo', secrets.token_hex(16), 'demo',
                    identity.create_project('demo'))
        demo.user_id = identity.create_user(demo.name, demo.password,
                                            demo.project_id, ['member'])
        admin = User('admin', identity_server.admin_password, 'admin')

        # consolehub's state is state_path itself: libvirt's monitor
        # socket paths under it must stay within 108 bytes.
        consolehub = cleanup.enter_context(servers.all_in_one(
            state_path, _consolehub_options(
                state_path, identity_server, service_password)))
        identity.register_service('compute', 'nova',
                                  consolehub.api_url + '/v2.1')
        identity.register_service('image', 'glance',
                                  consolehub.api_url + '/image')

        static_files.result()
        cleanup.callback(horizon.stop)
        horizon.start()
        yield Cloud(identity_server, consolehub, horizon,
                    {'admin': admin, 'demo': demo})
