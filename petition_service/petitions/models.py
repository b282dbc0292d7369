"""Organisations, their petitions and the officials each petition's letter is addressed to."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from ..letters.models import Batch


class Organisation(Model):
    """A campaign group. A coalition is an organisation with member organisations
    (see CoalitionMembership): a group may belong to several coalitions."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Plain text about the group, shown on its public page; paragraphs at blank lines.
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    # A public organisation has a page (/o/<slug>) and is listed on the home page; its
    # public petitions are reachable at /p/<slug> either way.
    is_public: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    website: Mapped[str | None] = mapped_column(String(500))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    petitions: Mapped[list[Petition]] = relationship(back_populates="organisation")


class MembershipStatus(enum.StrEnum):
    # A coalition invites; the member's own administrators accept. Until then the group is
    # not named anywhere as a member, and cannot be named as a petition's co-sponsor.
    INVITED = "invited"
    ACTIVE = "active"


class CoalitionMembership(Model):
    """`member` campaigns within `coalition`."""

    __tablename__ = "coalition_memberships"
    __table_args__ = (CheckConstraint("coalition_id <> member_id", name="not_itself"),)

    coalition_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    status: Mapped[MembershipStatus] = mapped_column(
        str_enum(MembershipStatus, "membership_status"), default=MembershipStatus.INVITED
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    coalition: Mapped[Organisation] = relationship(foreign_keys=[coalition_id])
    member: Mapped[Organisation] = relationship(foreign_keys=[member_id])


class PetitionStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    VICTORY = "victory"


class CaseStatus(enum.StrEnum):
    """Where the person a petition is about stands; `released` is shown as good news."""

    DETAINED = "detained"
    ON_TRIAL = "on_trial"
    SENTENCED = "sentenced"
    HOUSE_ARREST = "house_arrest"
    MISSING = "missing"
    RELEASED = "released"


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
    # ISO 3166-1 codes of countries whose signers are shown by initials unless they choose
    # otherwise: people who live under the government the petition addresses.
    protected_countries: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # When it last stopped taking signatures (closed or won): the retention time counts from
    # here, and `personal_data_erased_at` records when names and emails were erased.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    personal_data_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The case: the person this petition is about, if any (a prisoner of conscience).
    person_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    case_status: Mapped[CaseStatus | None] = mapped_column(str_enum(CaseStatus, "case_status"))
    detained_on: Mapped[date | None] = mapped_column(Date)
    trial_on: Mapped[date | None] = mapped_column(Date)
    sentenced_on: Mapped[date | None] = mapped_column(Date)
    released_on: Mapped[date | None] = mapped_column(Date)
    # The photo by its content hash, so its URL changes with it and can be cached for good.
    photo_sha256: Mapped[str | None] = mapped_column(
        ForeignKey("photos.sha256", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="petitions")
    recipients: Mapped[list[Recipient]] = relationship(
        back_populates="petition",
        order_by="Recipient.position",
        cascade="all, delete-orphan",
    )
    batches: Mapped[list[Batch]] = relationship(back_populates="petition")
    # The petition's texts in languages other than `language` (whose texts are the columns).
    translations: Mapped[list[PetitionText]] = relationship(
        back_populates="petition", cascade="all, delete-orphan", order_by="PetitionText.language"
    )
    # Co-sponsoring organisations, in the order the letter names them after the owner.
    sponsorships: Mapped[list[PetitionSponsor]] = relationship(
        back_populates="petition", cascade="all, delete-orphan", order_by="PetitionSponsor.position"
    )

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
    # The language this official reads; their letter in a batch is printed in it where the
    # petition has a text in it (else in the petition's own language).
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")

    petition: Mapped[Petition] = relationship(back_populates="recipients")


class PetitionText(Model):
    """A petition's texts in one more language. Every field is required: a reader gets a
    whole translation or the petition's own language, never a mixture."""

    __tablename__ = "petition_texts"
    __table_args__ = (UniqueConstraint("petition_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(String(500), default="")
    story: Mapped[str] = mapped_column(Text, default="")
    letter_body: Mapped[str] = mapped_column(Text, default="")
    letter_closing: Mapped[str] = mapped_column(String(200), default="")

    petition: Mapped[Petition] = relationship(back_populates="translations")


class PetitionSponsor(Model):
    """An organisation of the owner's coalition that co-sponsors a petition: named on its
    pages and letters, its staff may read the petition's counts and batches."""

    __tablename__ = "petition_sponsors"

    petition_id: Mapped[int] = mapped_column(
        ForeignKey("petitions.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    petition: Mapped[Petition] = relationship(back_populates="sponsorships")
    organisation: Mapped[Organisation] = relationship()


class Photo(Model):
    """A case photo as served: re-encoded without metadata, in two sizes. The database is
    the source of truth; each app server keeps a file copy to serve (see petitions/photos.py)."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Of `large`: the URL names it, so a new photo is a new URL and an old one never changes.
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    large: Mapped[bytes] = mapped_column(LargeBinary)
    small: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
