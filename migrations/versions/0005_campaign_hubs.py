"""Campaign hubs: public organisations, coalition memberships, co-sponsors, cases with
photos, petition texts per language, each recipient's language.

A coalition was a `parent_id` on its member groups; it becomes a membership table (a group
may campaign in several coalitions), and the existing parent links become active
memberships.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def upgrade():
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column("is_public", sa.Boolean(), server_default=sa.true(), nullable=False)
        )

    op.create_table(
        "coalition_memberships",
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("status", _enum("membership_status", "invited", "active"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "coalition_id <> member_id", name=op.f("ck_coalition_memberships_not_itself")
        ),
        sa.ForeignKeyConstraint(
            ["coalition_id"],
            ["organisations.id"],
            name=op.f("fk_coalition_memberships_coalition_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["organisations.id"],
            name=op.f("fk_coalition_memberships_member_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("coalition_id", "member_id", name=op.f("pk_coalition_memberships")),
    )
    with op.batch_alter_table("coalition_memberships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_coalition_memberships_member_id"), ["member_id"], unique=False
        )

    # Every group that named a parent is an active member of that coalition.
    op.execute(
        "INSERT INTO coalition_memberships (coalition_id, member_id, status, created_at, accepted_at) "
        "SELECT parent_id, id, 'active', created_at, created_at FROM organisations "
        "WHERE parent_id IS NOT NULL AND parent_id <> id"
    )
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisations_parent_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_organisations_parent_id_organisations"), type_="foreignkey"
        )
        batch_op.drop_column("parent_id")

    op.create_table(
        "photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("large", sa.LargeBinary(), nullable=False),
        sa.Column("small", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_photos_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photos")),
        sa.UniqueConstraint("sha256", name=op.f("uq_photos_sha256")),
    )
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_photos_organisation_id"), ["organisation_id"], unique=False
        )

    with op.batch_alter_table("petitions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("person_name", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "case_status",
                _enum(
                    "case_status",
                    "detained",
                    "on_trial",
                    "sentenced",
                    "house_arrest",
                    "missing",
                    "released",
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("detained_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("trial_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("sentenced_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("released_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("photo_sha256", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_petitions_photo_sha256_photos"),
            "photos",
            ["photo_sha256"],
            ["sha256"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), server_default="en", nullable=False)
        )

    op.create_table(
        "petition_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("story", sa.Text(), nullable=False),
        sa.Column("letter_body", sa.Text(), nullable=False),
        sa.Column("letter_closing", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["petition_id"],
            ["petitions.id"],
            name=op.f("fk_petition_texts_petition_id_petitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition_texts")),
        sa.UniqueConstraint(
            "petition_id", "language", name=op.f("uq_petition_texts_petition_id_language")
        ),
    )

    op.create_table(
        "petition_sponsors",
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_petition_sponsors_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["petition_id"],
            ["petitions.id"],
            name=op.f("fk_petition_sponsors_petition_id_petitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "petition_id", "organisation_id", name=op.f("pk_petition_sponsors")
        ),
    )
    with op.batch_alter_table("petition_sponsors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_petition_sponsors_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("petition_sponsors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_petition_sponsors_organisation_id"))
    op.drop_table("petition_sponsors")
    op.drop_table("petition_texts")

    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.drop_column("language")

    with op.batch_alter_table("petitions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_petitions_photo_sha256_photos"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("ck_petitions_case_status"), type_="check")
        for column in (
            "photo_sha256",
            "released_on",
            "sentenced_on",
            "trial_on",
            "detained_on",
            "case_status",
            "person_name",
        ):
            batch_op.drop_column(column)

    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photos_organisation_id"))
    op.drop_table("photos")

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_organisations_parent_id"), ["parent_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_organisations_parent_id_organisations"),
            "organisations",
            ["parent_id"],
            ["id"],
        )
    # A group back in one coalition: the first one it joined, if any.
    op.execute(
        "UPDATE organisations SET parent_id = (SELECT MIN(m.coalition_id) "
        "FROM coalition_memberships m WHERE m.member_id = organisations.id "
        "AND m.status = 'active')"
    )
    with op.batch_alter_table("coalition_memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coalition_memberships_member_id"))
    op.drop_table("coalition_memberships")

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("is_public")
        batch_op.drop_column("description")
