"""Options of the ``[dashboard]`` group: the web dashboard the API serves
at ``/dashboard/``."""

from oslo_config import cfg

dashboard_group = cfg.OptGroup('dashboard', title='Dashboard options')

dashboard_opts = [
    cfg.BoolOpt('enabled',
                default=True,
                help='Serve the dashboard at /dashboard/ on the API\'s '
                     'port. Its files need no token; everything it shows '
                     'comes from the API with the user\'s token.'),
    cfg.FloatOpt('poll_interval',
                 default=2.0, min=0.5,
                 help='Seconds between two refreshes of the page a user '
                      'looks at (the instance table, an instance, the '
                      'admin lists).'),
    cfg.URIOpt('keystone_url',
               schemes=['http', 'https'],
               help='Public URL of Keystone\'s identity API v3 (e.g. '
                    'http://keystone.example.org:5000/v3) where the '
                    'dashboard asks for a token with a user name and '
                    'password when [api] auth_strategy = keystone. '
                    'Keystone must allow the dashboard\'s origin in its '
                    '[cors] allowed_origin. Unset, users sign in with a '
                    'token.'),
    cfg.ListOpt('console_origins',
                default=[],
                help='Origins (scheme://host[:port]) of the console '
                     'proxies whose pages the dashboard embeds in a frame '
                     '(its Content-Security-Policy frame-src). Empty: the '
                     'origins of this file\'s [vnc] novncproxy_base_url, '
                     '[spice] html5proxy_base_url and [serial_console] '
                     'base_url.'),
]


def register_opts(conf):
    conf.register_group(dashboard_group)
    conf.register_opts(dashboard_opts, group=dashboard_group)


def list_opts():
    return {dashboard_group: dashboard_opts}
