"""Signing under attack: the network of each signature (a keyed hash, for the flood panel),
a session version per staff member (ending every session at once), and the signatures of a
batch withdrawn between its freeze and its render.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 18:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("network_hash", sa.String(length=32), nullable=True))
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("withdrawn_after_freeze", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade():
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_after_freeze")
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_column("session_version")
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.drop_column("network_hash")
