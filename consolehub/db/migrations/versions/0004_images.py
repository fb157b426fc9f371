"""Images (Glance v2's records) and the image and root disk of instances.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'images',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255)),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('visibility', sa.String(16), nullable=False),
        sa.Column('protected', sa.Boolean, nullable=False),
        sa.Column('os_hidden', sa.Boolean, nullable=False),
        sa.Column('owner', sa.String(255)),
        sa.Column('disk_format', sa.String(16)),
        sa.Column('container_format', sa.String(16)),
        sa.Column('size', sa.BigInteger),
        sa.Column('virtual_size', sa.BigInteger),
        sa.Column('checksum', sa.String(32)),
        sa.Column('os_hash_algo', sa.String(64)),
        sa.Column('os_hash_value', sa.String(128)),
        sa.Column('min_ram', sa.Integer, nullable=False),
        sa.Column('min_disk', sa.Integer, nullable=False),
        sa.Column('properties', sa.Text, nullable=False),
        sa.Column('tags', sa.Text, nullable=False),
        sa.Column('deleted_at', sa.DateTime),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.UniqueConstraint('uuid', name='uniq_images0uuid'),
    )
    op.create_index('images_owner_idx', 'images', ['owner'])
    op.create_index('images_visibility_idx', 'images', ['visibility'])
    with op.batch_alter_table('instances') as batch:
        batch.add_column(sa.Column('image_ref', sa.String(36)))
        batch.add_column(sa.Column('root_gb', sa.Integer, nullable=False,
                                   server_default='0'))
