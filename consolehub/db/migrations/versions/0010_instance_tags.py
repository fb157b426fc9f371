"""Server tags (Nova's ``tags``), and the lock of a server.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('instances') as batch:
        batch.add_column(sa.Column('locked', sa.Boolean, nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('locked_by', sa.String(5)))
    op.create_table(
        'instance_tags',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('instance_uuid', sa.String(36), nullable=False),
        sa.Column('tag', sa.String(60), nullable=False),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.UniqueConstraint('instance_uuid', 'tag',
                            name='uniq_instance_tags0instance_uuid0tag'),
    )
    op.create_index('instance_tags_tag_idx', 'instance_tags', ['tag'])
