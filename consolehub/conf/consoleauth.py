"""Options of the ``[consoleauth]`` group: console auth tokens."""

from oslo_config import cfg

consoleauth_group = cfg.OptGroup('consoleauth',
                                 title='Console auth token options')

consoleauth_opts = [
    cfg.IntOpt('token_ttl',
               default=600, min=1,
               help='Seconds a console auth token stays valid after it is '
                    'issued.'),
    cfg.BoolOpt('single_use',
                default=True, mutable=True,
                help='A console token opens one console session: the '
                     'first websocket accepted with it consumes it in the '
                     'database, and later ones are refused (401). SPICE '
                     'clients open several channels per session; those '
                     'from the same client address are accepted while the '
                     'first is open. False lets a token be reused until '
                     'it expires, as in Nova.'),
]


def register_opts(conf):
    conf.register_group(consoleauth_group)
    conf.register_opts(consoleauth_opts, group=consoleauth_group)


def list_opts():
    return {consoleauth_group: consoleauth_opts}
