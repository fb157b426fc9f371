"""Options of the ``[console]`` group: the console proxies."""

from oslo_config import cfg

console_group = cfg.OptGroup('console', title='Console proxy options')

console_opts = [
    cfg.ListOpt('allowed_origins',
                default=[],
                help='Origins (host names, optionally with :port) a '
                     'browser may open a console websocket from, besides '
                     'the proxy\'s own Host. Example: '
                     'dashboard.example.org,dashboard.example.org:8443'),
    cfg.IntOpt('max_message_size',
               default=4 * 1024 * 1024, min=1024,
               help='Largest websocket message, in bytes, the proxy accepts '
                    'from a browser.'),
    cfg.IntOpt('connect_timeout',
               default=5, min=1,
               help='Seconds the proxy waits for a guest\'s console port '
                    'to accept a TCP connection.'),
]


def register_opts(conf):
    conf.register_group(console_group)
    conf.register_opts(console_opts, group=console_group)


def list_opts():
    return {console_group: console_opts}
