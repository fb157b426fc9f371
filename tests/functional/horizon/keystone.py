"""A real Keystone for functional tests: SQLite, Fernet tokens, uwsgi.

Set up as its installation guide does (``keystone-manage db_sync``,
``fernet_setup``, ``credential_setup``, ``bootstrap``), then served by
uwsgi from ``keystone.wsgi.api:application``. :class:`Identity` makes
projects, users, role assignments and catalog entries through the
Identity API v3 (https://docs.openstack.org/api-ref/identity/v3/).
"""

import configparser
import os
import secrets

import requests

from tests.functional.horizon import processes
from tests.functional import servers

REGION = 'RegionOne'
DOMAIN_ID = 'default'
#: Every endpoint is registered on these three interfaces, as
#: ``keystone-manage bootstrap`` registers Keystone's own.
INTERFACES = ('public', 'internal', 'admin')


class Keystone(object):
    """Keystone's state in ``state_path`` and its uwsgi server.

    ``admin_password`` is the bootstrap admin's (user ``admin``, project
    ``admin``, role ``admin``); bootstrap also creates the ``reader``,
    ``member``, ``manager`` and ``service`` roles.
    """

    def __init__(self, state_path):
        self.state_path = state_path
        os.makedirs(state_path, exist_ok=True)
        self.port = servers.free_port()
        self.admin_password = secrets.token_hex(16)
        self.config_file = os.path.join(state_path, 'keystone.conf')
        self.setup_log = os.path.join(state_path, 'keystone-manage.log')
        self.server = processes.UwsgiServer(
            'keystone', 'keystone.wsgi.api:application', self.port,
            state_path, env={'OS_KEYSTONE_CONFIG_FILES': self.config_file})

    @property
    def url(self):
        """The unversioned endpoint, ``http://127.0.0.1:PORT``."""
        return self.server.url

    @property
    def v3_url(self):
        return self.url + '/v3'

    def _write_config(self):
        path = self.state_path
        config = configparser.ConfigParser(interpolation=None)
        config.read_dict({
            'DEFAULT': {'log_file': os.path.join(path, 'keystone.log'),
                        'debug': 'false'},
            'database': {'connection': 'sqlite:///%s' % os.path.join(
                path, 'keystone.sqlite')},
            'token': {'provider': 'fernet'},
            'fernet_tokens': {
                'key_repository': os.path.join(path, 'fernet-keys')},
            'fernet_receipts': {
                'key_repository': os.path.join(path, 'fernet-keys')},
            'credential': {
                'key_repository': os.path.join(path, 'credential-keys')},
            # bcrypt's fewest rounds: logins take milliseconds, not 0.3 s.
            'identity': {'password_hash_rounds': '4'},
        })
        with open(self.config_file, 'w') as out:
            config.write(out)

    def _manage(self, *args):
        processes.run([processes.openstack_command('keystone-manage'),
                       '--config-file', self.config_file] + list(args),
                      self.setup_log)

    def setup(self):
        """Config file, database schema, key repositories, bootstrap."""
        self._write_config()
        self._manage('db_sync')
        owner = ['--keystone-user', str(os.getuid()),
                 '--keystone-group', str(os.getgid())]
        self._manage('fernet_setup', *owner)
        self._manage('credential_setup', *owner)
        self._manage('bootstrap',
                     '--bootstrap-password', self.admin_password,
                     '--bootstrap-region-id', REGION,
                     '--bootstrap-admin-url', self.v3_url,
                     '--bootstrap-internal-url', self.v3_url,
                     '--bootstrap-public-url', self.v3_url)

    def start(self):
        """Serve the API; returns once ``GET /v3`` answers."""
        self.server.start(ready_path='/v3')

    def stop(self):
        self.server.stop()

    def admin(self):
        """An :class:`Identity` client with the bootstrap admin's token."""
        return Identity(self.v3_url, password_token(
            self.v3_url, 'admin', self.admin_password, 'admin'))


def password_token(v3_url, user, password, project):
    """A project-scoped token (str) for ``user`` in the default domain.

    :raises requests.HTTPError: if Keystone refuses.
    """
    response = requests.post(v3_url + '/auth/tokens', timeout=30, json={
        'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': user, 'domain': {'id': DOMAIN_ID},
                'password': password}}},
            'scope': {'project': {'name': project,
                                  'domain': {'id': DOMAIN_ID}}}}})
    response.raise_for_status()
    return response.headers['X-Subject-Token']


class Identity(object):
    """Identity API v3 calls made with an admin token.

    Every method raises ``requests.HTTPError`` on a refusal.
    """

    def __init__(self, v3_url, token):
        self.v3_url = v3_url
        self.session = requests.Session()
        self.session.headers['X-Auth-Token'] = token

    def _call(self, method, path, body=None):
        response = self.session.request(method, self.v3_url + path,
                                        json=body, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else None

    def role_id(self, name):
        roles = self._call('GET', '/roles?name=%s' % name)['roles']
        if not roles:
            raise LookupError('Keystone has no role %r' % name)
        return roles[0]['id']

    def create_project(self, name):
        """Returns the new project's id."""
        return self._call('POST', '/projects', {'project': {
            'name': name, 'domain_id': DOMAIN_ID}})['project']['id']

    def create_user(self, name, password, project_id, roles):
        """A user with ``roles`` (names) on ``project_id``; returns its
        id."""
        user_id = self._call('POST', '/users', {'user': {
            'name': name, 'password': password, 'domain_id': DOMAIN_ID,
            'default_project_id': project_id}})['user']['id']
        for role in roles:
            self._call('PUT', '/projects/%s/users/%s/roles/%s'
                       % (project_id, user_id, self.role_id(role)))
        return user_id

    def register_service(self, service_type, name, url):
        """A catalog entry: service ``service_type`` at ``url`` on every
        interface in :data:`REGION`."""
        service_id = self._call('POST', '/services', {'service': {
            'type': service_type, 'name': name}})['service']['id']
        for interface in INTERFACES:
            self._call('POST', '/endpoints', {'endpoint': {
                'service_id': service_id, 'interface': interface,
                'url': url, 'region_id': REGION}})
