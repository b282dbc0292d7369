"""Signer safety: how a signer appears, protected countries, opaque links, retention.

- `signatures.display` (`full`, `initials`, `anonymous`): existing signatures keep `full`,
  which is how they were delivered until now;
- `petitions.protected_countries` (ISO codes), `petitions.closed_at` (closed and won
  petitions get the time of their closing date, else of their last change) and
  `petitions.personal_data_erased_at`;
- `signature_links`: confirm, withdraw and correction links as the SHA-256 of a random token.

Links already mailed carry signed tokens that a random token's hash cannot be made from. The
outbox still holds the body of every mail sent before this release, so the tokens in those
bodies are read here and stored hashed like new ones: every link already mailed keeps working
(a confirm link for 7 days after its mail, as before; a withdraw link as long as the signature
keeps its data), and the service no longer verifies signed tokens at all. The bodies are then
erased by the privacy sweep, like every sent mail's.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:00:00.000000

"""

import hashlib
import re
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# The lifetime a confirm link had when these mails were sent (mail/tokens.py then).
LEGACY_CONFIRM_DAYS = 7
# The paths of the old links; an itsdangerous token is URL-safe base64 and dots.
LEGACY_LINK = re.compile(r"/(confirm|withdraw)/([A-Za-z0-9_.\-]+)")


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def upgrade():
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "display",
                _enum("signature_display", "full", "initials", "anonymous"),
                server_default="full",
                nullable=False,
            )
        )
    with op.batch_alter_table("petitions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("protected_countries", sa.JSON(), server_default="[]", nullable=False)
        )
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("personal_data_erased_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.execute(
        "UPDATE petitions SET closed_at = COALESCE(closes_at, updated_at) "
        "WHERE status IN ('closed', 'victory')"
    )

    op.create_table(
        "signature_links",
        sa.Column("id", BigIntPK, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("signature_id", BigIntPK, nullable=False),
        sa.Column(
            "purpose", _enum("link_purpose", "confirm", "withdraw", "correct"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["signature_id"],
            ["signatures.id"],
            name=op.f("fk_signature_links_signature_id_signatures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signature_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_signature_links_token_hash")),
    )
    with op.batch_alter_table("signature_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signature_links_signature_id"), ["signature_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_signature_links_expires_at"), ["expires_at"], unique=False
        )

    _keep_mailed_links()


def _keep_mailed_links():
    """Store the hash of every confirm and withdraw token found in a mail already written."""
    connection = op.get_bind()
    outbox = sa.table(
        "outbox_messages",
        sa.column("signature_id", sa.Integer()),
        sa.column("body_text", sa.Text()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    links = sa.table(
        "signature_links",
        sa.column("token_hash", sa.String()),
        sa.column("signature_id", sa.Integer()),
        sa.column("purpose", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    rows = connection.execute(
        sa.select(outbox.c.signature_id, outbox.c.body_text, outbox.c.created_at).where(
            outbox.c.signature_id.is_not(None), outbox.c.body_text != ""
        )
    )
    found = {}
    for signature_id, body, created_at in rows:
        for purpose, found_token in LEGACY_LINK.findall(body or ""):
            token = found_token.rstrip(".")  # a link at the end of a sentence
            digest = hashlib.sha256(token.encode("ascii")).hexdigest()
            expires = (
                created_at + timedelta(days=LEGACY_CONFIRM_DAYS) if purpose == "confirm" else None
            )
            found[digest] = {
                "token_hash": digest,
                "signature_id": signature_id,
                "purpose": purpose,
                "created_at": created_at,
                "expires_at": expires,
            }
    if found:
        connection.execute(sa.insert(links), list(found.values()))


def downgrade():
    with op.batch_alter_table("signature_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signature_links_expires_at"))
        batch_op.drop_index(batch_op.f("ix_signature_links_signature_id"))
    op.drop_table("signature_links")
    with op.batch_alter_table("petitions", schema=None) as batch_op:
        batch_op.drop_column("personal_data_erased_at")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("protected_countries")
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_signatures_signature_display"), type_="check")
        batch_op.drop_column("display")
