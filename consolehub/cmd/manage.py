"""consolehub-manage: database schema and API tokens.

    consolehub-manage db sync [--version REV]
    consolehub-manage db version
    consolehub-manage token create --project-id P --user-id U [--role R ...]
"""

import sys

from oslo_config import cfg

from consolehub.conf import CONF
from consolehub import context as consolehub_context
from consolehub.db import migration
from consolehub.objects import api_token
from consolehub import process


def _db_sync():
    migration.db_sync(CONF.category.version)
    print('Database is at revision %s' % migration.db_version())


def _db_version():
    print(migration.db_version())


def _token_create():
    raw_token = api_token.create(
        consolehub_context.get_admin_context(), CONF.category.project_id,
        CONF.category.user_id, CONF.category.role or ['member'])
    print('Created a token for user %s in project %s; it is shown once:'
          % (CONF.category.user_id, CONF.category.project_id))
    print(raw_token)


def _add_parsers(subparsers):
    db = subparsers.add_parser('db', help='Database schema.')
    db_actions = db.add_subparsers(dest='action', required=True)
    sync = db_actions.add_parser('sync', help='Upgrade the schema.')
    sync.add_argument('--version', default='head',
                      help='Alembic revision to upgrade to.')
    sync.set_defaults(func=_db_sync)
    db_actions.add_parser('version', help='Show the schema revision.'
                          ).set_defaults(func=_db_version)

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


def main(argv=None):
    CONF.register_cli_opt(cfg.SubCommandOpt('category',
                                            handler=_add_parsers))
    process.prepare(sys.argv[1:] if argv is None else argv,
                    description='consolehub administration')
    CONF.category.func()
