"""Server metadata, and what Nova's POST /servers records on a server:
its description, access addresses, disk config, user data and the
reservation of a multiple create.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('instances') as batch:
        batch.add_column(sa.Column('description', sa.String(255)))
        batch.add_column(sa.Column('access_ip_v4', sa.String(39)))
        batch.add_column(sa.Column('access_ip_v6', sa.String(39)))
        batch.add_column(sa.Column('disk_config', sa.String(8),
                                   nullable=False, server_default='MANUAL'))
        batch.add_column(sa.Column('user_data', sa.Text))
        batch.add_column(sa.Column('reservation_id', sa.String(255)))
        batch.add_column(sa.Column('launch_index', sa.Integer,
                                   nullable=False, server_default='0'))
    op.create_table(
        'instance_metadata',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('instance_uuid', sa.String(36), nullable=False),
        sa.Column('key', sa.String(255), nullable=False),
        sa.Column('value', sa.String(255), nullable=False),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.UniqueConstraint('instance_uuid', 'key',
                            name='uniq_instance_metadata0instance_uuid0key'),
    )
    op.create_index('instance_metadata_instance_uuid_idx',
                    'instance_metadata', ['instance_uuid'])
