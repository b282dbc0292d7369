"""Updates to a petition's signers: the news staff publish, and who has been mailed it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..types import BigIntPK, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from ..petitions.models import Petition


class UpdateKind(enum.StrEnum):
    NEWS = "news"
    VICTORY = "victory"
    DELIVERY = "delivery"
    ANSWER = "answer"


class PetitionUpdate(Model):
    """News about a petition: shown on its page and embed, and mailed, when staff ask, to
    the confirmed signers who opted in.

    Mailing is a paced job (updates/service.py): `mail_requested_at` fixes the audience
    (signers confirmed by then), each step claims the update through `mail_next_step_at`,
    and `mail_finished_at` is set once every eligible signer has a delivery row.
    """

    __tablename__ = "petition_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(
        ForeignKey("petitions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[UpdateKind] = mapped_column(
        str_enum(UpdateKind, "update_kind"), default=UpdateKind.NEWS
    )
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # The language the text is written in (the petition's when it was published).
    language: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    mail_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # How many signers were eligible when the mailing was asked for (the progress bar's end).
    mail_total: Mapped[int] = mapped_column(Integer, default=0)
    mail_next_step_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    mail_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    petition: Mapped[Petition] = relationship()


class UpdateDelivery(Model):
    """One signer's copy of one update. The unique pair is what makes the mailing safe to
    retry and restart: a signer who has a row is never queued again for that update."""

    __tablename__ = "update_deliveries"
    __table_args__ = (UniqueConstraint("update_id", "signature_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("petition_updates.id", ondelete="CASCADE"))
    signature_id: Mapped[int] = mapped_column(
        ForeignKey("signatures.id", ondelete="CASCADE"), index=True
    )
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL"), index=True
    )
    # SHA-256 of the one-click unsubscribe token in this mail's List-Unsubscribe URL: the
    # token is random, so the URL says nothing about who it belongs to.
    unsubscribe_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
