"""Options of the ``[compute]`` group: instance sizes the API accepts and
where a compute host keeps its instances' disks."""

from oslo_config import cfg

compute_group = cfg.OptGroup('compute', title='Compute options')

compute_opts = [
    cfg.IntOpt('default_memory_mb',
               default=64, min=16,
               help='Memory in MiB of an instance created without '
                    'memory_mb.'),
    cfg.IntOpt('max_memory_mb',
               default=4096, min=16,
               help='Largest memory_mb an instance may ask for, in MiB.'),
    cfg.IntOpt('default_vcpus',
               default=1, min=1,
               help='vCPUs of an instance created without vcpus.'),
    cfg.IntOpt('max_vcpus',
               default=8, min=1,
               help='Most vCPUs an instance may ask for.'),
    cfg.StrOpt('instances_path',
               default='$state_path/instances',
               help='Directory where a compute agent keeps each instance\'s '
                    'disk (a qcow2 overlay of its image), one '
                    'subdirectory per instance, removed with the instance '
                    '(Nova\'s [DEFAULT] instances_path).'),
    cfg.IntOpt('max_disk_gb',
               default=1024, min=1,
               help='Largest root disk, in GiB, an instance made through '
                    '/instances may ask for.'),
]


def register_opts(conf):
    conf.register_group(compute_group)
    conf.register_opts(compute_opts, group=compute_group)


def list_opts():
    return {compute_group: compute_opts}
