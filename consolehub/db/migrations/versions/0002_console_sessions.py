"""One-time console tokens and console session records.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('console_auth_tokens') as batch:
        batch.add_column(sa.Column('used_at', sa.DateTime))
    op.create_table(
        'console_sessions',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('instance_uuid', sa.String(36), nullable=False),
        sa.Column('console_type', sa.String(32), nullable=False),
        sa.Column('token_hash_prefix', sa.String(8), nullable=False),
        sa.Column('client_address', sa.String(64)),
        sa.Column('started_at', sa.DateTime, nullable=False),
        sa.Column('ended_at', sa.DateTime),
        sa.Column('bytes_to_client', sa.BigInteger, nullable=False),
        sa.Column('bytes_to_guest', sa.BigInteger, nullable=False),
        sa.Column('close_reason', sa.String(255)),
        sa.Column('end_requested_at', sa.DateTime),
        sa.Column('end_reason', sa.String(255)),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.UniqueConstraint('uuid', name='uniq_console_sessions0uuid'),
    )
    op.create_index('console_sessions_instance_uuid_idx',
                    'console_sessions', ['instance_uuid'])
    op.create_index('console_sessions_ended_at_idx',
                    'console_sessions', ['ended_at'])
