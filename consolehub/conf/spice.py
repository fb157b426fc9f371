"""Options of the ``[spice]`` group, named as Nova names them."""

from oslo_config import cfg

spice_group = cfg.OptGroup('spice', title='SPICE console options')

spice_opts = [
    cfg.BoolOpt('enabled',
                default=False,
                help='Give new guests SPICE graphics and serve spice-html5 '
                     'consoles.'),
    cfg.HostAddressOpt('server_listen',
                       default='127.0.0.1',
                       help='Address a guest\'s SPICE server listens on.'),
    cfg.HostAddressOpt('server_proxyclient_address',
                       default='127.0.0.1',
                       help='Address the console proxy connects to for this '
                            'compute host\'s SPICE servers when they listen '
                            'on a wildcard address.'),
    cfg.HostAddressOpt('html5proxy_host',
                       default='127.0.0.1',
                       help='Address the SPICE websocket proxy binds to.'),
    cfg.PortOpt('html5proxy_port',
                default=6082,
                help='TCP port the SPICE websocket proxy binds to.'),
    cfg.URIOpt('html5proxy_base_url',
               default='http://127.0.0.1:6082/spice_auto.html',
               help='Public URL of the spice-html5 page; the API appends '
                    '"?token=<token>" to make a console\'s access_url.'),
    cfg.StrOpt('html5_web',
               default='/usr/share/spice-html5',
               help='Directory holding the spice-html5 client that the '
                    'proxy serves (Debian package "spice-html5").'),
]


def register_opts(conf):
    conf.register_group(spice_group)
    conf.register_opts(spice_opts, group=spice_group)


def list_opts():
    return {spice_group: spice_opts}
