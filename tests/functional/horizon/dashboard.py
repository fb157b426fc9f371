"""Horizon, unmodified, configured for a cloud of Keystone and consolehub.

Horizon reads ``local.local_settings`` (``openstack_dashboard/settings.py``
imports it by that name); we write one into a directory of our own that
comes first on ``sys.path``, collect the static files and compress them
offline (``COMPRESS_OFFLINE``, as Horizon's deployment guide does for
production), then serve ``openstack_dashboard.wsgi:application`` and the
static files under uwsgi.

The settings that matter here are in :data:`DEGRADE_SETTINGS`: the cloud
has no Neutron, Cinder, Swift or Placement, only compute (consolehub),
image (the address consolehub will serve Glance's API at) and identity.
"""

import json
import os
import pprint
import secrets

from tests.functional.horizon import processes
from tests.functional import servers

SETTINGS_MODULE = 'openstack_dashboard.settings'

#: Horizon settings for a cloud without network, volume, object-store or
#: placement services (names and meanings: Horizon's "Settings Reference").
#: Panels of services missing from the catalog are hidden by Horizon
#: itself; these stop the pages that remain from calling the missing ones.
DEGRADE_SETTINGS = {
    # Neutron: no network quotas on the overview and in Launch Instance,
    # no router, floating IP topology or auto-allocated network checks.
    'OPENSTACK_NEUTRON_NETWORK': {
        'enable_quotas': False,
        'enable_router': False,
        'enable_ipv6': False,
        'enable_distributed_router': False,
        'enable_ha_router': False,
        'enable_fip_topology_check': False,
        'enable_auto_allocated_network': False,
        'enable_rbac_policy': False,
    },
    # The instance tables would ask Neutron for every server's ports.
    'OPENSTACK_INSTANCE_RETRIEVE_IP_ADDRESSES': False,
    # Cinder: Launch Instance offers no "create new volume" and no volume
    # or volume snapshot boot sources.
    'LAUNCH_INSTANCE_DEFAULTS': {
        'create_volume': False,
        'hide_create_volume': True,
        'disable_volume': True,
        'disable_volume_snapshot': True,
        'config_drive': False,
        'enable_scheduler_hints': True,
        'enable_metadata': True,
        'enable_net_ports': False,
    },
    'OPENSTACK_CINDER_FEATURES': {'enable_backup': False},
    # Placement: the hypervisors page would list its resource providers.
    'SHOW_RESOURCE_PROVIDER_SUMMARY': False,
}

#: Compute policy rules Horizon itself checks, overridden in a
#: ``POLICY_DIRS`` directory of ours: the instance detail page's Interfaces
#: tab builds Neutron's ports table (which asks Neutron for its extensions
#: even when the tab is not shown) unless its rule refuses everybody. Nova
#: attaches interfaces only through Neutron anyway.
NO_NEUTRON_COMPUTE_POLICY = {
    'os_compute_api:os-attach-interfaces': '!',
}


class Dashboard(object):
    """Horizon's settings, static files and uwsgi server in
    ``state_path``.

    :param keystone_url: Keystone's v3 endpoint, ``http://HOST:PORT/v3``.
    """

    def __init__(self, state_path, keystone_url):
        self.state_path = state_path
        os.makedirs(state_path, exist_ok=True)
        self.keystone_url = keystone_url
        self.port = servers.free_port()
        self.settings_dir = os.path.join(state_path, 'settings')
        self.policy_dir = os.path.join(state_path, 'nova_policy.d')
        self.static_root = os.path.join(state_path, 'static')
        self.log_file = os.path.join(state_path, 'horizon.log')
        self.setup_log = os.path.join(state_path, 'django-admin.log')
        self.server = processes.UwsgiServer(
            'horizon', 'openstack_dashboard.wsgi:application', self.port,
            state_path, options=[
                ('pythonpath', self.settings_dir),
                ('static-map', '/static=%s' % self.static_root)])

    @property
    def url(self):
        return self.server.url

    def settings(self):
        """The ``local_settings`` values (dict of setting -> value)."""
        values = {
            'DEBUG': False,
            'SECRET_KEY': secrets.token_hex(32),
            'ALLOWED_HOSTS': ['127.0.0.1', 'localhost'],
            'OPENSTACK_HOST': '127.0.0.1',
            'OPENSTACK_KEYSTONE_URL': self.keystone_url,
            'OPENSTACK_KEYSTONE_DEFAULT_ROLE': 'member',
            'OPENSTACK_ENDPOINT_TYPE': 'publicURL',
            # One uwsgi worker process: its memory is a cache enough, and
            # sessions live in files (no memcached, no database).
            'CACHES': {'default': {
                'BACKEND':
                    'django.core.cache.backends.locmem.LocMemCache'}},
            'SESSION_ENGINE': 'django.contrib.sessions.backends.file',
            'SESSION_FILE_PATH': os.path.join(self.state_path, 'sessions'),
            'STATIC_ROOT': self.static_root,
            'COMPRESS_ENABLED': True,
            'COMPRESS_OFFLINE': True,
            # One theme: half the SCSS to compile at set-up.
            'AVAILABLE_THEMES': [('default', 'Default', 'themes/default')],
            'DEFAULT_THEME': 'default',
            'LOGGING': self._logging(),
        }
        values.update(DEGRADE_SETTINGS)
        values['POLICY_DIRS'] = {
            'compute': ['nova_policy.d', self.policy_dir],
            'volume': ['cinder_policy.d'],
        }
        return values

    def _logging(self):
        """Django LOGGING: everything Horizon and its API clients log,
        keystoneauth's request and response lines included, to
        :attr:`log_file`."""
        debug = {'handlers': ['file'], 'level': 'DEBUG', 'propagate': False}
        return {
            'version': 1,
            'disable_existing_loggers': False,
            'formatters': {'plain': {
                'format': '%(asctime)s %(process)d %(levelname)s '
                          '%(name)s %(message)s'}},
            'handlers': {'file': {
                'class': 'logging.FileHandler', 'filename': self.log_file,
                'formatter': 'plain'}},
            'root': {'handlers': ['file'], 'level': 'INFO'},
            'loggers': {name: debug for name in (
                'horizon', 'openstack_dashboard', 'openstack_auth',
                'keystoneauth', 'novaclient', 'glanceclient',
                'django.request')},
        }

    def _write_settings(self):
        package = os.path.join(self.settings_dir, 'local')
        os.makedirs(package, exist_ok=True)
        os.makedirs(os.path.join(self.state_path, 'sessions'), exist_ok=True)
        with open(os.path.join(package, '__init__.py'), 'w'):
            pass
        lines = ['"""Generated by the consolehub Horizon test harness."""',
                 '']
        for name, value in self.settings().items():
            lines.append('%s = %s' % (name, pprint.pformat(value)))
        with open(os.path.join(package, 'local_settings.py'), 'w') as out:
            out.write('\n'.join(lines) + '\n')
        os.makedirs(self.policy_dir, exist_ok=True)
        with open(os.path.join(self.policy_dir, 'no-neutron.yaml'),
                  'w') as out:
            json.dump(NO_NEUTRON_COMPUTE_POLICY, out, indent=2)

    def _django_admin(self, *args):
        processes.run([processes.openstack_command('django-admin')]
                      + list(args)
                      + ['--settings', SETTINGS_MODULE,
                         '--pythonpath', self.settings_dir],
                      self.setup_log)

    def setup(self):
        """Write the settings, collect and compress the static files."""
        self._write_settings()
        self._django_admin('collectstatic', '--noinput')
        self._django_admin('compress', '--force')

    def start(self):
        """Serve Horizon; returns once its login page answers."""
        self.server.start(ready_path='/auth/login/')

    def stop(self):
        self.server.stop()
