"""Options of the ``[vnc]`` group, named as Nova names them."""

from oslo_config import cfg

vnc_group = cfg.OptGroup('vnc', title='VNC console options')

vnc_opts = [
    cfg.HostAddressOpt('server_listen',
                       default='127.0.0.1',
                       help='Address a guest\'s VNC server listens on.'),
    cfg.HostAddressOpt('server_proxyclient_address',
                       default='127.0.0.1',
                       help='Address the console proxy connects to for this '
                            'compute host\'s guests when they listen on a '
                            'wildcard address.'),
    cfg.HostAddressOpt('novncproxy_host',
                       default='127.0.0.1',
                       help='Address the noVNC proxy binds to.'),
    cfg.PortOpt('novncproxy_port',
                default=6080,
                help='TCP port the noVNC proxy binds to.'),
    cfg.URIOpt('novncproxy_base_url',
               default='http://127.0.0.1:6080/vnc_lite.html',
               help='Public URL of the noVNC page; the API appends '
                    '"?path=%3Ftoken%3D<token>" to make a console\'s '
                    'access_url.'),
    cfg.StrOpt('novnc_web',
               default='/usr/share/novnc',
               help='Directory holding the noVNC web client that the proxy '
                    'serves (Debian package "novnc").'),
]


def register_opts(conf):
    conf.register_group(vnc_group)
    conf.register_opts(vnc_opts, group=vnc_group)


def list_opts():
    return {vnc_group: vnc_opts}
