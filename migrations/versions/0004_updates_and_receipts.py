"""Updates to signers, batches delivered by email, public receipts.

- `petition_updates` and `update_deliveries` (one row per update and signature: nobody is
  mailed one update twice);
- `batch_mails`, the delivery ledger's line per recipient mailed a batch;
- `batches.receipt_token` and `batches.merkle_root`, fixed at the freeze;
- `signatures.receipt_code`, each signer's private code (existing rows get one here);
- `outbox_messages.attachments` (files by reference) and `outbox_messages.smtp_response`.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 18:36:48.781775

"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# The same alphabet and length as petition_service.receipts.codes (copied: a migration
# must not change when the application code does).
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def upgrade():
    op.create_table(
        "petition_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "news",
                "victory",
                "delivery",
                "answer",
                name="update_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("mail_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mail_total", sa.Integer(), nullable=False),
        sa.Column("mail_next_step_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mail_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_users.id"],
            name=op.f("fk_petition_updates_created_by_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["petition_id"],
            ["petitions.id"],
            name=op.f("fk_petition_updates_petition_id_petitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition_updates")),
    )
    with op.batch_alter_table("petition_updates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_petition_updates_petition_id"), ["petition_id"], unique=False
        )

    op.create_table(
        "batch_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("outbox_id", BigIntPK, nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["batches.id"],
            name=op.f("fk_batch_mails_batch_id_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_users.id"],
            name=op.f("fk_batch_mails_created_by_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outbox_messages.id"],
            name=op.f("fk_batch_mails_outbox_id_outbox_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_mails")),
        sa.UniqueConstraint(
            "batch_id", "file_name", name=op.f("uq_batch_mails_batch_id_file_name")
        ),
    )
    with op.batch_alter_table("batch_mails", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batch_mails_outbox_id"), ["outbox_id"], unique=False)

    op.create_table(
        "update_deliveries",
        sa.Column("id", BigIntPK, nullable=False),
        sa.Column("update_id", sa.Integer(), nullable=False),
        sa.Column("signature_id", BigIntPK, nullable=False),
        sa.Column("outbox_id", BigIntPK, nullable=True),
        sa.Column("unsubscribe_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outbox_messages.id"],
            name=op.f("fk_update_deliveries_outbox_id_outbox_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["signature_id"],
            ["signatures.id"],
            name=op.f("fk_update_deliveries_signature_id_signatures"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["update_id"],
            ["petition_updates.id"],
            name=op.f("fk_update_deliveries_update_id_petition_updates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_update_deliveries")),
        sa.UniqueConstraint("unsubscribe_hash", name=op.f("uq_update_deliveries_unsubscribe_hash")),
        sa.UniqueConstraint(
            "update_id",
            "signature_id",
            name=op.f("uq_update_deliveries_update_id_signature_id"),
        ),
    )
    with op.batch_alter_table("update_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_update_deliveries_outbox_id"), ["outbox_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_update_deliveries_signature_id"), ["signature_id"], unique=False
        )

    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt_token", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("merkle_root", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.create_unique_constraint(batch_op.f("uq_batches_receipt_token"), ["receipt_token"])

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("attachments", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column("smtp_response", sa.String(length=500), nullable=False, server_default="")
        )

    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt_code", sa.String(length=16), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_signatures_receipt_code"), ["receipt_code"]
        )

    _backfill("batches", "receipt_token", lambda: secrets.token_urlsafe(16))
    _backfill(
        "signatures",
        "receipt_code",
        lambda: "".join(secrets.choice(CODE_ALPHABET) for _ in range(16)),
    )


def _backfill(table_name, column, make, chunk=2000):
    """Give every existing row its own random value (SQL has no portable CSPRNG)."""
    table = sa.table(table_name, sa.column("id"), sa.column(column))
    connection = op.get_bind()
    ids = [
        row[0] for row in connection.execute(sa.select(table.c.id).where(table.c[column].is_(None)))
    ]
    update = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("row_id"))
        .values({column: sa.bindparam("value")})
    )
    for start in range(0, len(ids), chunk):
        connection.execute(
            update, [{"row_id": row_id, "value": make()} for row_id in ids[start : start + chunk]]
        )


def downgrade():
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_signatures_receipt_code"), type_="unique")
        batch_op.drop_column("receipt_code")

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("smtp_response")
        batch_op.drop_column("attachments")

    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_batches_receipt_token"), type_="unique")
        batch_op.drop_column("merkle_root")
        batch_op.drop_column("receipt_token")

    with op.batch_alter_table("update_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_update_deliveries_signature_id"))
        batch_op.drop_index(batch_op.f("ix_update_deliveries_outbox_id"))
    op.drop_table("update_deliveries")

    with op.batch_alter_table("batch_mails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batch_mails_outbox_id"))
    op.drop_table("batch_mails")

    with op.batch_alter_table("petition_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_petition_updates_petition_id"))
    op.drop_table("petition_updates")
