"""Options of the ``[quota]`` group: default per-project limits.

Names and defaults of the compute limits are Nova's ``[quota]`` options;
the image limits have the names of Glance's unified limits. An
administrator changes one project's limits with ``PUT
/v2.1/os-quota-sets/{project_id}``; these defaults apply to every limit
no one set. -1 is unlimited.
"""

from oslo_config import cfg

quota_group = cfg.OptGroup(
    'quota', title='Quota options',
    help='Default limits on what one project may use at once, and on the '
         'key pairs of each of its users; enforced when an instance or a '
         'key pair is created (403 over the limit) and when an image is '
         'created or its data uploaded (413 over the limit).')

quota_opts = [
    cfg.IntOpt('instances',
               default=10, min=-1,
               help='Live instances a project may have (any status but '
                    'DELETED); -1 for no limit.'),
    cfg.IntOpt('cores',
               default=20, min=-1,
               help='vCPUs all live instances of a project may have '
                    'together; -1 for no limit.'),
    cfg.IntOpt('ram',
               default=51200, min=-1,
               help='Memory (MiB) all live instances of a project may '
                    'have together; -1 for no limit.'),
    cfg.IntOpt('image_count_total',
               default=100, min=-1,
               help='Images a project may own (any status but deleted), '
                    'checked when an image is created (Glance\'s unified '
                    'limit of that name); -1 for no limit.'),
    cfg.IntOpt('image_size_total',
               default=10240, min=-1,
               help='Image data (MiB) all images of a project may store '
                    'together, checked when data is uploaded or a '
                    'snapshot is stored (Glance\'s unified limit of that '
                    'name); -1 for no limit. Images imported with '
                    'consolehub-manage are not limited.'),
    cfg.IntOpt('key_pairs',
               default=100, min=-1,
               help='Key pairs one user may have (Nova counts them per '
                    'user, under the limit of the project they create '
                    'them in); -1 for no limit.'),
]


def register_opts(conf):
    conf.register_group(quota_group)
    conf.register_opts(quota_opts, group=quota_group)


def list_opts():
    return {quota_group: quota_opts}
