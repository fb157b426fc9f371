"""Console session recording: asked for on the token, kept on the session.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('console_auth_tokens') as batch:
        batch.add_column(sa.Column('record', sa.Boolean, nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table('console_sessions') as batch:
        batch.add_column(sa.Column('recorded', sa.Boolean, nullable=False,
                                   server_default=sa.false()))
