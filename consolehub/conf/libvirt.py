"""Options of the ``[libvirt]`` group, named as Nova names them."""

from oslo_config import cfg

libvirt_group = cfg.OptGroup('libvirt', title='Libvirt driver options')

libvirt_opts = [
    cfg.StrOpt('connection_uri',
               default='qemu:///embed?root=$state_path/libvirt',
               help='Libvirt connection URI. The default runs QEMU inside '
                    'the compute agent\'s process with no libvirtd; use '
                    'qemu:///system with a running libvirtd, or '
                    'test:///default for the libvirt test driver.'),
    cfg.StrOpt('virt_type',
               default='qemu',
               choices=[('qemu', 'Software emulation (TCG).'),
                        ('kvm', 'Hardware virtualization; needs /dev/kvm.')],
               help='Domain type of the guests this host defines.'),
    cfg.StrOpt('embedded_display_port_range',
               default='5900:65535',
               regex=r'^\d+:\d+$',
               help='Range "MIN:MAX" of TCP ports (MIN at least 5900) from '
                    'which the embedded QEMU driver gives guests their VNC '
                    'and SPICE ports (qemu.conf\'s remote_display_port_min '
                    'and _max, written at every start). Each agent picks '
                    'free ports on its own: give agents that share a '
                    'machine disjoint ranges, or two guests started at the '
                    'same moment may be given the same port. Only for '
                    'qemu:///embed URIs; a libvirtd reads its own '
                    'qemu.conf.'),
]


def register_opts(conf):
    conf.register_group(libvirt_group)
    conf.register_opts(libvirt_opts, group=libvirt_group)


def list_opts():
    return {libvirt_group: libvirt_opts}
