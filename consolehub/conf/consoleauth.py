"""Options of the ``[consoleauth]`` group: console auth tokens."""

from oslo_config import cfg

consoleauth_group = cfg.OptGroup('consoleauth',
                                 title='Console auth token options')

consoleauth_opts = [
    cfg.IntOpt('token_ttl',
               default=600, min=1,
               help='Seconds a console auth token stays valid after it is '
                    'issued.'),
]


def register_opts(conf):
    conf.register_group(consoleauth_group)
    conf.register_opts(consoleauth_opts, group=consoleauth_group)


def list_opts():
    return {consoleauth_group: consoleauth_opts}
