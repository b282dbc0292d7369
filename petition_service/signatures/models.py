"""Signatures: one per petition and canonical email address."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..receipts.codes import new_receipt_code
from ..types import BigIntPK, UTCDateTime, str_enum, utcnow
from .display import Display

if TYPE_CHECKING:
    from ..letters.models import Batch
    from ..petitions.models import Organisation, Petition


class SignatureStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"
    INVALID = "invalid"


class Signature(Model):
    __tablename__ = "signatures"
    __table_args__ = (
        # The duplicate rule lives in the database so concurrent submissions cannot
        # both win. A withdrawn or purged signature has its canonical email erased
        # (NULL), which frees the address to sign again.
        UniqueConstraint("petition_id", "email_canonical"),
        # Serves the public count (petition, status) and the batch freeze
        # (petition, confirmed, not yet in a batch).
        Index("ix_signatures_petition_status_batch", "petition_id", "status", "batch_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    email_canonical: Mapped[str | None] = mapped_column(String(320))
    country: Mapped[str] = mapped_column(String(2))
    city: Mapped[str] = mapped_column(String(120), default="")
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    wants_updates: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(8), default="en")
    # How the signer appears in what is delivered (signatures/display.py); staff see the
    # whole row whatever it says, until the retention time erases it.
    display: Mapped[Display] = mapped_column(
        str_enum(Display, "signature_display"), default=Display.FULL, server_default="full"
    )
    status: Mapped[SignatureStatus] = mapped_column(
        str_enum(SignatureStatus, "signature_status"), default=SignatureStatus.PENDING
    )
    # A keyed hash (HMAC) of the client address: enough to spot abuse, useless to
    # anyone who steals the database without the key.
    client_hash: Mapped[str | None] = mapped_column(String(64))
    # The same for the client's network (IPv4 /24, IPv6 /48): the staff page's flood panel
    # groups the last hour by it. Both hashes live here and only here, so erasing them
    # (withdrawal, retention) is one place.
    network_hash: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    invalidated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    invalid_reason: Mapped[str] = mapped_column(String(200), default="")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    # The signer's private receipt code (receipts/codes.py): salts their leaf in their
    # batch's Merkle tree and lets them check that their signature was delivered.
    receipt_code: Mapped[str | None] = mapped_column(
        String(16), unique=True, default=new_receipt_code
    )

    petition: Mapped[Petition] = relationship()
    batch: Mapped[Batch | None] = relationship(back_populates="signatures")

    def __repr__(self) -> str:
        return f"<Signature {self.id} {self.status.value}>"


class LinkPurpose(enum.StrEnum):
    CONFIRM = "confirm"
    WITHDRAW = "withdraw"
    # Correct the name, city or display of a signature not yet delivered (the repeat flow).
    CORRECT = "correct"


class Submission(Model):
    """One signer's form that signed several petitions at once (an organisation's or a
    coalition's page): one mail and one confirm link for all of them (signatures/together.py).
    Each petition still gets its own signature; this only ties them together. It holds
    nothing about the signer."""

    __tablename__ = "signature_submissions"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # Whose form it was (its page names it in the mail); None for other callers.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation | None] = relationship()
    items: Mapped[list[SubmissionSignature]] = relationship(
        order_by="SubmissionSignature.position", cascade="all, delete-orphan", passive_deletes=True
    )


class SubmissionSignature(Model):
    """A signature a submission signed, or found already there (`repeat`: that address had
    signed that petition before, so the stored signature stays as it was)."""

    __tablename__ = "submission_signatures"

    submission_id: Mapped[int] = mapped_column(
        ForeignKey("signature_submissions.id", ondelete="CASCADE"), primary_key=True
    )
    signature_id: Mapped[int] = mapped_column(
        ForeignKey("signatures.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    repeat: Mapped[bool] = mapped_column(Boolean, default=False)

    signature: Mapped[Signature] = relationship()


class SignatureLink(Model):
    """A link a mail gave its signer (confirm, withdraw, correct), stored as the SHA-256 of
    its random token: the token names nothing, decodes to nothing, and the database alone
    cannot rebuild a working link (signatures/links.py).

    A link acts on one signature, or (a confirm link of a mail that signed several petitions
    at once) on every signature of one submission."""

    __tablename__ = "signature_links"
    __table_args__ = (
        CheckConstraint("(signature_id IS NULL) <> (submission_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    signature_id: Mapped[int | None] = mapped_column(
        ForeignKey("signatures.id", ondelete="CASCADE"), index=True
    )
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("signature_submissions.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[LinkPurpose] = mapped_column(str_enum(LinkPurpose, "link_purpose"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # None: good for as long as the signature keeps its personal data.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
