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
    cfg.IntOpt('idle_timeout',
               default=0, min=0, mutable=True,
               help='Seconds without a byte either way after which the '
                    'proxy ends a console session (close code 1000, '
                    'reason "idle timeout"); 0 never ends idle sessions.'),
    cfg.BoolOpt('session_outlives_token',
                default=False, mutable=True,
                help='Keep a console session open after its token\'s TTL '
                     'has passed. By default the proxy ends the session '
                     '(reason "console token expired") when the token '
                     'that opened it expires.'),
    cfg.IntOpt('max_sessions_per_instance',
               default=2, min=0, mutable=True,
               help='Most full (not view-only) console sessions open at '
                    'once to one instance; '
                    'the proxy accepts the websocket of one more and closes '
                    'it at once with code 1008 and a reason saying so. '
                    '0 means no limit.'),
    cfg.IntOpt('max_viewers_per_instance',
               default=10, min=0, mutable=True,
               help='Most view-only console sessions open at once to one '
                    'instance, counted apart from '
                    'max_sessions_per_instance (which bounds the full '
                    'sessions); the proxy accepts the websocket of one '
                    'more and closes it at once with code 1008 and a '
                    'reason saying so. 0 means no limit.'),
    cfg.IntOpt('max_spice_channels',
               default=8, min=1, mutable=True,
               help='Most websockets one SPICE console session may hold, '
                    'its main channel included (spice-html5 opens 4-6 '
                    'with one token); the proxy accepts the websocket of '
                    'one more and closes it at once with code 1008.'),
    cfg.BoolOpt('validate_console_port',
                default=True,
                help='Before a console session connects, ask the '
                     'instance\'s compute agent (over RPC) whether the '
                     'token\'s port is still its running guest\'s '
                     'console, as Nova\'s proxy does: a token outlives '
                     'its guest, whose port the next guest may get '
                     '(CVE-2013-0335). Turn off only for a proxy with no '
                     'compute agents to ask, e.g. a benchmark.'),
    cfg.StrOpt('compute_relay',
               regex=r'^(\[[0-9a-fA-F:.]+\]|[^:\[\]]+):\d+$',
               help='HOST:PORT of an HTTP CONNECT relay in front of this '
                    'compute host\'s guest consoles. When set, console '
                    'tokens made here send the proxy to the relay, with the '
                    'console\'s own address as internal_access_path, as '
                    'Nova does for drivers whose consoles sit behind one.'),
    cfg.FloatOpt('session_check_interval',
                 default=2.0, min=0.1, mutable=True,
                 help='Seconds between two checks by the proxy of its open '
                      'sessions against the database: sessions an '
                      'administrator ended and sessions of deleted '
                      'instances are closed then.'),
    cfg.IntOpt('session_retention_days',
               default=30, min=0,
               help='Days the record of an ended console session is kept '
                    'before the periodic purge removes it.'),
    cfg.BoolOpt('record_sessions',
                default=False,
                help='Record every console session to a file in '
                     'record_directory (see the admin guide, "Recording '
                     'console sessions"). Without it, only the sessions an '
                     'administrator asks to record ("record": true in the '
                     'remote-console request) are. A recording holds '
                     'everything typed, passwords included.'),
    cfg.StrOpt('record_directory',
               default='$state_path/console-recordings',
               help='Directory on the console proxy\'s host that holds the '
                    'session recordings, one file per session named by its '
                    'UUID. The API reads recordings from here: on another '
                    'host, share the directory with it (read only).'),
    cfg.IntOpt('record_max_bytes',
               default=256 * 1024 * 1024, min=4096,
               help='Most bytes one session\'s recording may take; once '
                    'reached, the recording ends with a truncation marker '
                    'and the session goes on unrecorded.'),
    cfg.IntOpt('record_queue_bytes',
               default=8 * 1024 * 1024, min=65536,
               help='Most bytes of one session waiting for the recording '
                    'writer; when the disk cannot keep up, the recording '
                    'ends with a truncation marker rather than slow the '
                    'session down or grow the proxy\'s memory.'),
    cfg.IntOpt('record_retention',
               default=30 * 24 * 3600, min=0,
               help='Seconds a recording is kept after its last write; the '
                    'console proxy deletes older ones at start and every '
                    'hour. 0 keeps them forever.'),
]


def register_opts(conf):
    conf.register_group(console_group)
    conf.register_opts(console_opts, group=console_group)


def list_opts():
    return {console_group: console_opts}
