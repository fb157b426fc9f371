"""Options of the ``[compute]`` group: instance sizes the API accepts,
where a compute host keeps its instances' disks, the compute agent's
timeouts and periodic tasks."""

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
    cfg.IntOpt('build_timeout',
               default=300, min=1,
               help='Seconds after its creation at which an instance still '
                    'in BUILD is put in ERROR ("The build did not finish '
                    'within N seconds"), and what its build made is '
                    'removed. Checked every sync_power_state_interval '
                    'seconds by its compute agent.'),
    cfg.IntOpt('sync_power_state_interval',
               default=60, min=1,
               help='Seconds between two checks by a compute agent of '
                    'every guest of its host against the database: an '
                    'ACTIVE instance whose guest stopped becomes SHUTOFF '
                    '(lifecycle events usually say so at once), guests '
                    'of instances deleted while the host was down are '
                    'destroyed (Nova\'s running_deleted_instance_action = '
                    'reap), builds older than build_timeout fail.'),
    cfg.IntOpt('purge_interval',
               default=3600, min=0,
               help='Seconds between two purges of old rows by a compute '
                    'agent: expired console tokens, console sessions that '
                    'ended more than [console] session_retention_days '
                    'ago, instances deleted more than '
                    'deleted_instance_retention_days ago. 0: never (use '
                    '"consolehub-manage db purge").'),
    cfg.IntOpt('deleted_instance_retention_days',
               default=30, min=0,
               help='Days the row of a deleted instance is kept before '
                    'the periodic purge removes it.'),
]


def register_opts(conf):
    conf.register_group(compute_group)
    conf.register_opts(compute_opts, group=compute_group)


def list_opts():
    return {compute_group: compute_opts}
