"""Options of the ``[image]`` group: the image API, its file store and
the compute hosts' image cache."""

from oslo_config import cfg

image_group = cfg.OptGroup('image', title='Image service options')

GiB = 1024 ** 3

image_opts = [
    cfg.StrOpt('store_path',
               default='$state_path/images',
               help='Directory holding the image files, one per image, '
                    'named by the image id (as Glance\'s filesystem store). '
                    'The API writes uploads here; compute agents read '
                    'images from here and write snapshots here, so with '
                    'compute agents on other machines this must be a '
                    'shared file system (e.g. NFS) mounted at the same '
                    'path on every API and compute host.'),
    cfg.IntOpt('max_image_size',
               default=10 * GiB, min=1,
               help='Largest image file, in bytes, an upload may store '
                    '(Glance\'s image_size_cap). A longer upload is '
                    'refused with 413 and leaves nothing behind.'),
    cfg.IntOpt('max_virtual_size',
               default=100 * GiB, min=1,
               help='Largest virtual disk size, in bytes, an image may '
                    'declare. A qcow2 file of a few hundred bytes can '
                    'claim an exabyte disk; such uploads are refused.'),
    cfg.IntOpt('max_properties',
               default=128, min=0,
               help='Most custom properties one image may carry '
                    '(Glance\'s image_property_quota).'),
    cfg.IntOpt('max_tags',
               default=128, min=0,
               help='Most tags one image may carry (Glance\'s '
                    'image_tag_quota).'),
    cfg.IntOpt('default_limit',
               default=25, min=1,
               help='Images one list request returns without "limit" '
                    '(Glance\'s limit_param_default).'),
    cfg.IntOpt('max_limit',
               default=1000, min=1,
               help='Most images one list request returns (Glance\'s '
                    'api_limit_max).'),
    cfg.StrOpt('cache_path',
               default='$state_path/_base',
               help='Directory where a compute agent keeps one verified '
                    'copy of each image its instances boot from (Nova\'s '
                    '_base); the instances\' disks are copy-on-write '
                    'overlays of these files.'),
]


def register_opts(conf):
    conf.register_group(image_group)
    conf.register_opts(image_opts, group=image_group)


def list_opts():
    return {image_group: image_opts}
