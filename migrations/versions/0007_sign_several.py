"""Signing several petitions at once (an organisation's or a coalition's form).

- `signature_submissions`: one signer's form that signed several petitions;
- `submission_signatures`: the signatures it signed (or found there already, `repeat`);
- `signature_links.submission_id`: a confirm link may act on a whole submission (then
  `signature_id` is null; exactly one of the two is set);
- `outbox_messages.submission_id`: the one mail of such a submission.

Existing rows are untouched: every existing link names its signature.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "signature_submissions",
        sa.Column("id", BigIntPK, nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_signature_submissions_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signature_submissions")),
    )
    with op.batch_alter_table("signature_submissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signature_submissions_organisation_id"), ["organisation_id"]
        )

    op.create_table(
        "submission_signatures",
        sa.Column("submission_id", BigIntPK, nullable=False),
        sa.Column("signature_id", BigIntPK, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("repeat", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["signature_id"],
            ["signatures.id"],
            name=op.f("fk_submission_signatures_signature_id_signatures"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["signature_submissions.id"],
            name=op.f("fk_submission_signatures_submission_id_signature_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "submission_id", "signature_id", name=op.f("pk_submission_signatures")
        ),
    )
    with op.batch_alter_table("submission_signatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submission_signatures_signature_id"), ["signature_id"])

    with op.batch_alter_table("signature_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submission_id", BigIntPK, nullable=True))
        batch_op.alter_column("signature_id", existing_type=BigIntPK, nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_signature_links_submission_id_signature_submissions"),
            "signature_submissions",
            ["submission_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(batch_op.f("ix_signature_links_submission_id"), ["submission_id"])
        # The naming convention completes the name: ck_signature_links_one_target.
        batch_op.create_check_constraint(
            "one_target", "(signature_id IS NULL) <> (submission_id IS NULL)"
        )

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submission_id", BigIntPK, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_messages_submission_id_signature_submissions"),
            "signature_submissions",
            ["submission_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(batch_op.f("ix_outbox_messages_submission_id"), ["submission_id"])


def downgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_submission_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_messages_submission_id_signature_submissions"),
            type_="foreignkey",
        )
        batch_op.drop_column("submission_id")
    # Links of whole submissions have no single signature to name: they go.
    op.execute("DELETE FROM signature_links WHERE signature_id IS NULL")
    with op.batch_alter_table("signature_links", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_signature_links_one_target"), type_="check")
        batch_op.drop_index(batch_op.f("ix_signature_links_submission_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_signature_links_submission_id_signature_submissions"),
            type_="foreignkey",
        )
        batch_op.drop_column("submission_id")
        batch_op.alter_column("signature_id", existing_type=BigIntPK, nullable=False)
    with op.batch_alter_table("submission_signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_signatures_signature_id"))
    op.drop_table("submission_signatures")
    with op.batch_alter_table("signature_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signature_submissions_organisation_id"))
    op.drop_table("signature_submissions")
