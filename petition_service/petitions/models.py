"""Organisations, their petitions and the officials each petition's letter is addressed to."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from ..letters.models import Batch


class Organisation(Model):
    """A campaign group. A coalition is an organisation whose member groups name it as parent."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    website: Mapped[str | None] = mapped_column(String(500))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id], back_populates="members")
    members: Mapped[list[Organisation]] = relationship(back_populates="parent")
    petitions: Mapped[list[Petition]] = relationship(back_populates="organisation")


class PetitionStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    VICTORY = "victory"


def accepts_signatures(
    status: PetitionStatus,
    opens_at: datetime | None,
    closes_at: datetime | None,
    now: datetime | None = None,
) -> bool:
    """Open, and within its dates: the rule for the model and its cached reference alike."""
    now = now or utcnow()
    return (
        status is PetitionStatus.OPEN
        and (opens_at is None or opens_at <= now)
        and (closes_at is None or now < closes_at)
    )


class Petition(Model):
    __tablename__ = "petitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(String(500), default="")
    # Story and letter are plain text, paragraphs separated by blank lines: staff input
    # is escaped like anyone else's, and the same text feeds pages, mails and PDFs.
    story: Mapped[str] = mapped_column(Text, default="")
    letter_body: Mapped[str] = mapped_column(Text, default="")
    letter_closing: Mapped[str] = mapped_column(String(200), default="Yours sincerely,")
    language: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[PetitionStatus] = mapped_column(
        str_enum(PetitionStatus, "petition_status"), default=PetitionStatus.DRAFT
    )
    update_message: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    goal: Mapped[int] = mapped_column(Integer, default=1000)
    # Origins (scheme://host[:port]) allowed to frame the signing form; empty means any.
    allowed_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="petitions")
    recipients: Mapped[list[Recipient]] = relationship(
        back_populates="petition",
        order_by="Recipient.position",
        cascade="all, delete-orphan",
    )
    batches: Mapped[list[Batch]] = relationship(back_populates="petition")

    def is_public(self) -> bool:
        return self.status is not PetitionStatus.DRAFT

    def is_accepting_signatures(self, now: datetime | None = None) -> bool:
        return accepts_signatures(self.status, self.opens_at, self.closes_at, now)

    def __repr__(self) -> str:
        return f"<Petition {self.slug!r} {self.status.value}>"


class Recipient(Model):
    """An official the letter is addressed to; a letter is rendered for each."""

    __tablename__ = "recipients"
    __table_args__ = (UniqueConstraint("petition_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    salutation: Mapped[str] = mapped_column(String(200), default="")
    postal_address: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(String(320))

    petition: Mapped[Petition] = relationship(back_populates="recipients")
