"""consolehub-manage: database schema, API tokens and images.

    consolehub-manage db sync [--version REV]
    consolehub-manage db version
    consolehub-manage db purge --before DATE
    consolehub-manage token create --project-id P --user-id U [--role R ...]
    consolehub-manage image import FILE --name NAME [--disk-format F]
        [--min-ram MIB] [--min-disk GIB] [--visibility V] [--owner P]
        [--property KEY=VALUE ...] [--replace]
"""

import hashlib
import sys

from oslo_config import cfg
from oslo_utils import timeutils

from consolehub.conf import CONF
from consolehub import context as consolehub_context
from consolehub.db import migration
from consolehub import exception
from consolehub.image import api as image_api
from consolehub.objects import api_token
from consolehub.objects import image as image_obj
from consolehub.objects import purge
from consolehub import process


def _db_sync():
    migration.db_sync(CONF.category.version)
    print('Database is at revision %s' % migration.db_version())


def _db_version():
    print(migration.db_version())


def _before(text):
    """An ISO 8601 date or time (UTC unless it says) as naive UTC."""
    try:
        return timeutils.normalize_time(timeutils.parse_isotime(text))
    except ValueError as error:
        raise SystemExit('consolehub-manage: --before %r is not an ISO 8601 '
                         'date or time: %s' % (text, error))


def _db_purge():
    before = _before(CONF.category.before)
    counts = purge.purge(consolehub_context.get_admin_context(), before)
    print('Purged %s older than %s' % (', '.join(
        '%d %s' % (count, name) for name, count in counts.items()),
        before.isoformat(sep=' ')))


def _token_create():
    raw_token = api_token.create(
        consolehub_context.get_admin_context(), CONF.category.project_id,
        CONF.category.user_id, CONF.category.role or ['member'])
    print('Created a token for user %s in project %s; it is shown once:'
          % (CONF.category.user_id, CONF.category.project_id))
    print(raw_token)


def _file_hash(path):
    """The SHA-512 of the file at ``path`` (hex)."""
    digest = hashlib.sha512()
    with open(path, 'rb') as source:
        for chunk in iter(lambda: source.read(1024 * 1024), b''):
            digest.update(chunk)
    return digest.hexdigest()


def _properties(pairs):
    properties = {}
    for pair in pairs or []:
        key, sep, value = pair.partition('=')
        if not sep or not key:
            sys.exit('--property wants KEY=VALUE, not %r' % pair)
        properties[key] = value
    return properties


def _image_import():
    """Import a file as an image, unless an active image of that name and
    owner has the same content already; print its id last."""
    args = CONF.category
    admin = consolehub_context.get_admin_context()
    owner = args.owner or None
    same_name = [image for image in image_api.get_all(
        admin, {'name': args.image_name, 'visibility': 'all'},
        CONF.image.max_limit) if image['owner'] == owner]
    file_hash = _file_hash(args.file)
    for image in same_name:
        if (image['status'] == image_obj.ACTIVE and
                image['os_hash_value'] == file_hash):
            print('Image %s is up to date: its content is %s' % (
                args.image_name, args.file))
            print(image['uuid'])
            return
    # An administrator's import is not held to the owner's image quotas.
    image = image_api.create(admin, {
        'name': args.image_name, 'disk_format': args.disk_format,
        'container_format': 'bare', 'visibility': args.visibility,
        'min_ram': args.min_ram, 'min_disk': args.min_disk,
        'owner': owner}, _properties(args.property), enforce_quota=False)
    try:
        image = image_api.upload_file(admin, image['uuid'], args.file,
                                      enforce_quota=False)
    except exception.ConsoleHubException as error:
        image_api.delete(admin, image['uuid'])
        sys.exit('Cannot import %s: %s' % (args.file, error))
    if args.replace:
        for older in same_name:
            if older['protected']:
                continue
            image_api.delete(admin, older['uuid'])
            print('Deleted the older image %s of that name' % older['uuid'])
    print('Imported %s as image %s (%d bytes, %s virtual disk of %d bytes):'
          % (args.file, args.image_name, image['size'], image['disk_format'],
             image['virtual_size']))
    print(image['uuid'])


def _add_parsers(subparsers):
    db = subparsers.add_parser('db', help='Database schema.')
    db_actions = db.add_subparsers(dest='action', required=True)
    sync = db_actions.add_parser('sync', help='Upgrade the schema.')
    sync.add_argument('--version', default='head',
                      help='Alembic revision to upgrade to.')
    sync.set_defaults(func=_db_sync)
    db_actions.add_parser('version', help='Show the schema revision.'
                          ).set_defaults(func=_db_version)
    purge_parser = db_actions.add_parser(
        'purge', help='Delete instances deleted, console sessions ended, '
                      'console tokens expired and flavors deleted (that '
                      'no instance names) before a date.')
    purge_parser.add_argument(
        '--before', required=True,
        help='ISO 8601 date or time, UTC unless it says, e.g. 2026-01-31 '
             'or 2026-01-31T12:00:00Z.')
    purge_parser.set_defaults(func=_db_purge)

    token = subparsers.add_parser('token', help='API tokens.')
    token_actions = token.add_subparsers(dest='action', required=True)
    create = token_actions.add_parser(
        'create', help='Create a token; prints it as the last line.')
    create.add_argument('--project-id', required=True)
    create.add_argument('--user-id', required=True)
    create.add_argument('--role', action='append',
                        help='A role of the token; repeat for several. '
                             'Default: member (reader, member and admin '
                             'are the roles the default policy knows).')
    create.set_defaults(func=_token_create)

    image = subparsers.add_parser('image', help='Images.')
    image_actions = image.add_subparsers(dest='action', required=True)
    image_import = image_actions.add_parser(
        'import', help='Import a file as an image, checked as an upload '
                       'is; a no-op if an active image of that name and '
                       'owner has the same content. Prints the image id '
                       'as the last line.')
    image_import.add_argument('file', help='The image file.')
    image_import.add_argument('--name', dest='image_name', required=True)
    image_import.add_argument('--disk-format', default='qcow2',
                              choices=image_obj.DISK_FORMATS)
    image_import.add_argument('--min-ram', type=int, default=0,
                              help='MiB of memory the image needs.')
    image_import.add_argument('--min-disk', type=int, default=0,
                              help='GiB of disk the image needs.')
    image_import.add_argument('--visibility', default='public',
                              choices=image_obj.VISIBILITIES)
    image_import.add_argument('--owner', default='',
                              help='The owning project; default: none '
                                   '(only administrators may change it).')
    image_import.add_argument('--property', action='append',
                              metavar='KEY=VALUE',
                              help='A custom property; repeat for more.')
    image_import.add_argument('--replace', action='store_true',
                              help='Delete the other images of that name '
                                   'and owner once the new one is active, '
                                   'so that the name names one image.')
    image_import.set_defaults(func=_image_import)


def main(argv=None):
    CONF.register_cli_opt(cfg.SubCommandOpt('category',
                                            handler=_add_parsers))
    process.prepare(sys.argv[1:] if argv is None else argv,
                    description='consolehub administration')
    CONF.category.func()
