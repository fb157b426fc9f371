"""Flavors (Nova's ``flavors``), their extra specs and access lists, and
the flavor (id and name) an instance was made from.

The four built-in flavors are inserted here, so a fresh ``consolehub-manage
db sync`` serves them, with the ids and sizes consolehub always had.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import datetime

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

#: (flavorid, name, memory_mb, vcpus, root_gb), frozen as of this
#: revision: later changes of the flavors are the operators' to make.
BUILT_IN = (
    ('1', 'ch.tiny', 128, 1, 1),
    ('2', 'ch.small', 256, 1, 2),
    ('3', 'ch.medium', 512, 2, 5),
    ('4', 'ch.large', 1024, 2, 10),
)


def _timestamps():
    return [sa.Column('created_at', sa.DateTime),
            sa.Column('updated_at', sa.DateTime)]


def upgrade():
    flavors = op.create_table(
        'flavors',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('flavorid', sa.String(255), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('memory_mb', sa.Integer, nullable=False),
        sa.Column('vcpus', sa.Integer, nullable=False),
        sa.Column('root_gb', sa.Integer, nullable=False),
        sa.Column('ephemeral_gb', sa.Integer, nullable=False,
                  server_default='0'),
        sa.Column('swap', sa.Integer, nullable=False, server_default='0'),
        sa.Column('rxtx_factor', sa.Float, nullable=False,
                  server_default='1'),
        sa.Column('is_public', sa.Boolean, nullable=False,
                  server_default=sa.true()),
        sa.Column('disabled', sa.Boolean, nullable=False,
                  server_default=sa.false()),
        # Nova's 65535 characters do not fit MySQL's TEXT (bytes).
        sa.Column('description',
                  sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql')),
        *_timestamps(),
        sa.Column('deleted_at', sa.DateTime),
        sa.Column('deleted', sa.Integer, nullable=False, server_default='0'),
        sa.UniqueConstraint('flavorid', 'deleted',
                            name='uniq_flavors0flavorid0deleted'),
        sa.UniqueConstraint('name', 'deleted',
                            name='uniq_flavors0name0deleted'),
    )
    op.create_table(
        'flavor_extra_specs',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('flavor_id', sa.Integer, sa.ForeignKey('flavors.id'),
                  nullable=False),
        sa.Column('key', sa.String(255), nullable=False),
        sa.Column('value', sa.String(255), nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('flavor_id', 'key',
                            name='uniq_flavor_extra_specs0flavor_id0key'),
    )
    op.create_table(
        'flavor_projects',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('flavor_id', sa.Integer, sa.ForeignKey('flavors.id'),
                  nullable=False),
        sa.Column('project_id', sa.String(255), nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('flavor_id', 'project_id',
                            name='uniq_flavor_projects0flavor_id0project_id'),
    )
    with op.batch_alter_table('instances') as batch:
        batch.add_column(sa.Column('flavor_id', sa.String(255)))
        batch.add_column(sa.Column('flavor_name', sa.String(255)))
        batch.add_column(sa.Column('flavor_row_id', sa.Integer))
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    op.bulk_insert(flavors, [
        {'flavorid': flavorid, 'name': name, 'memory_mb': memory_mb,
         'vcpus': vcpus, 'root_gb': root_gb, 'ephemeral_gb': 0, 'swap': 0,
         'rxtx_factor': 1.0, 'is_public': True, 'disabled': False,
         'deleted': 0, 'created_at': now}
        for flavorid, name, memory_mb, vcpus, root_gb in BUILT_IN])
