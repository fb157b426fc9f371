"""Options of the ``[DEFAULT]`` group."""

import socket

from oslo_config import cfg

default_opts = [
    cfg.StrOpt('host',
               default=socket.gethostname(),
               sample_default='<current_hostname>',
               help='Name of this node. A compute agent listens for RPC '
                    'on the topic "compute" with this name as its server, '
                    'and instances it builds record it as their host.'),
    cfg.StrOpt('state_path',
               default='/var/lib/consolehub',
               help='Directory where consolehub keeps its state: the '
                    'SQLite database and the embedded libvirt root in the '
                    'default configuration.'),
    cfg.StrOpt('compute_driver',
               default='libvirt.LibvirtDriver',
               help='The hypervisor driver of a compute agent: a class '
                    'under consolehub.virt, as "module.Class" (as Nova\'s '
                    'option of the same name). Only the agent loads it.'),
    cfg.IntOpt('report_interval',
               default=10, min=1,
               help='Seconds between two heartbeats of a compute agent.'),
    cfg.BoolOpt('ssl_only',
                default=False,
                help='Serve the console proxy\'s listeners (noVNC, SPICE, '
                     'serial) over TLS only: https:// pages and wss:// '
                     'websockets, with "cert" and "key". False serves '
                     'plain HTTP (unlike websockify, one port never speaks '
                     'both). The base URLs ([vnc] novncproxy_base_url, '
                     '...) must then say https. As Nova\'s option.'),
    cfg.StrOpt('cert',
               default='self.pem',
               help='PEM file with the console proxy\'s TLS certificate '
                    '(its chain after it), and its private key unless '
                    '"key" names another file; a relative path is from the '
                    'working directory. Used with ssl_only. As Nova\'s '
                    'option.'),
    cfg.StrOpt('key',
               help='PEM file with the private key of "cert", if "cert" '
                    'does not hold it. As Nova\'s option.'),
    cfg.IntOpt('reboot_timeout',
               default=60, min=0,
               help='Seconds a soft reboot waits for the guest\'s operating '
                    'system to power off after the ACPI power button, '
                    'before it resets the guest as a hard reboot would. '
                    '0 resets at once.'),
    cfg.IntOpt('shutdown_timeout',
               default=60, min=0,
               help='Seconds a stop (os-stop) waits for the guest\'s '
                    'operating system to power off after the ACPI power '
                    'button, before it powers the guest off (as Nova\'s '
                    'option of the same name). 0 powers off at once.'),
    cfg.IntOpt('service_down_time',
               default=60, min=1,
               help='Seconds after its last heartbeat at which a compute '
                    'agent counts as down. New instances are only '
                    'scheduled to agents that are up.'),
]


def register_opts(conf):
    conf.register_opts(default_opts)


def list_opts():
    return {'DEFAULT': default_opts}
