"""View-only consoles: who asked for a console token and whether it only
watches; the same on every console session row.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('console_auth_tokens', 'console_sessions'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('user_id', sa.String(255)))
            batch.add_column(sa.Column('view_only', sa.Boolean,
                                       nullable=False,
                                       server_default=sa.false()))
