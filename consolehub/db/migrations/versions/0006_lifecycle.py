"""An instance's power state (Nova's power_state), as its guest reports it.

Rows that exist already get the power state their status implies:
RUNNING (1) for ACTIVE, SHUTDOWN (4) for SHUTOFF, NOSTATE (0) otherwise;
the compute agent corrects them from libvirt when it starts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('instances') as batch:
        batch.add_column(sa.Column('power_state', sa.Integer,
                                   nullable=False, server_default='0'))
    instances = sa.table('instances', sa.column('status', sa.String),
                         sa.column('power_state', sa.Integer))
    for status, power_state in (('ACTIVE', 1), ('SHUTOFF', 4)):
        op.execute(instances.update()
                   .where(instances.c.status == status)
                   .values(power_state=power_state))
