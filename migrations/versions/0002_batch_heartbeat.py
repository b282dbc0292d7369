"""Batch heartbeat: a rendering worker renews it, so a dead worker's batch is taken over
after a short lease instead of a long fixed one.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 11:25:49.003885

"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
