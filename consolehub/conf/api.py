"""Options of the ``[api]`` group: the REST API service."""

from oslo_config import cfg

api_group = cfg.OptGroup('api', title='REST API options')

api_opts = [
    cfg.HostAddressOpt('listen',
                       default='127.0.0.1',
                       help='Address the API server binds to.'),
    cfg.PortOpt('listen_port',
                default=8774,
                help='TCP port the API server binds to.'),
    cfg.IntOpt('workers',
               default=8, min=1,
               help='Threads serving API requests in consolehub-api and '
                    'consolehub-all (uwsgi sets its own).'),
    cfg.IntOpt('max_header_size',
               default=65536, min=1024,
               help='Bytes of request line and headers consolehub-api and '
                    'consolehub-all read for one request; past them the '
                    'answer is 431 and the connection closes. Room for '
                    'keystonemiddleware\'s X-Auth-Token and X-Service-Token '
                    'with Fernet tokens. uwsgi has its own limit '
                    '(buffer-size).'),
    cfg.IntOpt('header_timeout',
               default=10, min=1,
               help='Seconds a client of consolehub-api and consolehub-all '
                    'has for a request\'s line and headers, from the '
                    'connection\'s start or the request\'s first byte; a '
                    'late connection is closed (checked every second). '
                    'Slow clients never hold a worker thread meanwhile.'),
    cfg.IntOpt('idle_timeout',
               default=60, min=1,
               help='Seconds a connection to consolehub-api or '
                    'consolehub-all may stay idle (no byte in or out, no '
                    'request being served) before it is closed; covers '
                    'keep-alive and slow bodies.'),
    cfg.IntOpt('max_connections',
               default=1000, min=1,
               help='Connections consolehub-api and consolehub-all keep '
                    'open at once; more wait in the listen backlog. Worst '
                    'case memory for headers is this times '
                    'max_header_size.'),
    cfg.IntOpt('max_body_size',
               default=1048576, min=1024,
               help='Bytes of a request body consolehub-api and '
                    'consolehub-all read (413 past them, before the API '
                    'sees the request). The API itself refuses bodies '
                    'over [oslo_middleware] max_request_body_size with '
                    'Nova\'s fault body, so keep this at least that big.'),
    cfg.StrOpt('auth_strategy',
               default='token',
               choices=[('token', 'X-Auth-Token is checked against tokens '
                                  'made by "consolehub-manage token create".'),
                        ('keystone', 'keystonemiddleware auth_token '
                                     'validates X-Auth-Token with Keystone.')],
               help='Which authentication filter the API pipeline uses.'),
    cfg.StrOpt('api_paste_config',
               default='api-paste.ini',
               help='PasteDeploy file defining the API pipeline; a relative '
                    'name is looked up next to the config files and in '
                    '/etc/consolehub.'),
    cfg.IntOpt('token_cache_seconds',
               default=30, min=0,
               help='Seconds an API server reuses a token it found in '
                    'api_tokens before it looks it up again (only the '
                    'token\'s hash is the key); a deleted token keeps '
                    'working on a server for at most this long. 0 looks '
                    'up every request.'),
    cfg.IntOpt('compute_call_timeout',
               default=30, min=1,
               help='Seconds the API waits for a compute agent to answer a '
                    'synchronous call (console, delete) before answering '
                    '503.'),
    cfg.IntOpt('compute_call_monitor_timeout',
               default=4, min=2,
               help='Seconds without a sign of life from a compute agent '
                    'after which a synchronous call to it (console, '
                    'console output, action, delete) answers 503, however '
                    'long compute_call_timeout is: the agent sends a '
                    'heartbeat every half of this while it works on the '
                    'call (oslo.messaging\'s call_monitor_timeout), so a '
                    'dead agent is noticed in this time and slow work '
                    'still gets compute_call_timeout.'),
    cfg.IntOpt('max_limit',
               default=1000, min=1,
               help='Most instances one list request returns.'),
]


def register_opts(conf):
    conf.register_group(api_group)
    conf.register_opts(api_opts, group=api_group)


def list_opts():
    return {api_group: api_opts}
