"""Options of the ``[serial_console]`` group, named as Nova names them."""

from oslo_config import cfg

serial_console_group = cfg.OptGroup('serial_console',
                                    title='Serial console options')

serial_console_opts = [
    cfg.BoolOpt('enabled',
                default=False,
                help='Give new guests a serial port on a TCP socket and '
                     'serve serial consoles.'),
    cfg.StrOpt('port_range',
               default='10000:20000',
               regex=r'^\d+:\d+$',
               help='Range "MIN:MAX" of TCP ports on the compute host from '
                    'which a guest\'s serial port is given a free one.'),
    cfg.HostAddressOpt('proxyclient_address',
                       default='127.0.0.1',
                       help='Address a guest\'s serial port listens on and '
                            'the console proxy connects to.'),
    cfg.HostAddressOpt('serialproxy_host',
                       default='127.0.0.1',
                       help='Address the serial console proxy binds to.'),
    cfg.PortOpt('serialproxy_port',
                default=6083,
                help='TCP port the serial console proxy binds to.'),
    cfg.URIOpt('base_url',
               default='ws://127.0.0.1:6083/',
               help='Public websocket URL of the serial console proxy; the '
                    'API appends "?token=<token>" to make a console\'s '
                    'access_url. The proxy also serves a minimal terminal '
                    'page at /serial.html?token=<token>.'),
    cfg.StrOpt('log_dir',
               default='$state_path/console-logs',
               help='Directory where a compute agent keeps the log of each '
                    'guest\'s first serial port, <instance uuid>.log: '
                    'everything the guest wrote there, across reboots and '
                    'restarts, whether or not serial consoles are enabled. '
                    'os-getConsoleOutput reads it; it is removed with the '
                    'instance.'),
    cfg.IntOpt('log_max_bytes',
               default=1024 * 1024, min=16 * 1024,
               help='Largest size in bytes of a guest\'s serial port log; '
                    'the oldest output is dropped first. Checked every '
                    'log_check_interval seconds, so a guest writing '
                    'faster than that may exceed it for a moment.'),
    cfg.StrOpt('hub_port_range',
               default='30000:40000',
               regex=r'^\d+:\d+$',
               help='Range "MIN:MAX" of TCP ports on the compute host from '
                    'which the serial hub of a running guest is given a '
                    'free one. The hub, in the compute agent, is the only '
                    'client of the guest\'s serial port and shares it '
                    'among the console sessions; it listens on '
                    'proxyclient_address, and serial console tokens name '
                    'its port.'),
    cfg.IntOpt('hub_scrollback_bytes',
               default=4096, min=0, max=1024 * 1024,
               help='Bytes of a guest\'s last serial output (from a line '
                    'start) that its serial hub keeps and sends first to a '
                    'console session that joins: about one 80x24 screen.'),
    cfg.IntOpt('hub_max_sessions',
               default=32, min=1, max=1024,
               help='Most console sessions (viewers and the writer) one '
                    'serial hub serves at once; one more is refused.'),
    cfg.IntOpt('hub_client_buffer_bytes',
               default=256 * 1024, min=4096, max=64 * 1024 * 1024,
               help='Bytes of serial output a console session may lag '
                    'behind before its serial hub closes it; the guest is '
                    'never slowed down for a slow viewer.'),
    cfg.IntOpt('log_check_interval',
               default=10, min=1,
               help='Seconds between two checks by a compute agent of the '
                    'sizes of its guests\' serial port logs.'),
]


def register_opts(conf):
    conf.register_group(serial_console_group)
    conf.register_opts(serial_console_opts, group=serial_console_group)


def list_opts():
    return {serial_console_group: serial_console_opts}
