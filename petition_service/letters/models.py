"""Delivery batches: a frozen set of signatures and the PDFs rendered from it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from ..mail.models import OutboxMessage
    from ..petitions.models import Petition
    from ..signatures.models import Signature
    from ..staff.models import StaffUser


class BatchMode(enum.StrEnum):
    LETTERS = "letters"
    ANNEX = "annex"


class BatchStatus(enum.StrEnum):
    QUEUED = "queued"
    RENDERING = "rendering"
    DONE = "done"
    FAILED = "failed"


class Batch(Model):
    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id"), index=True)
    mode: Mapped[BatchMode] = mapped_column(str_enum(BatchMode, "batch_mode"))
    status: Mapped[BatchStatus] = mapped_column(
        str_enum(BatchStatus, "batch_status"), default=BatchStatus.QUEUED
    )
    # The letter and recipients as they stood at the freeze, so a re-render of this
    # batch produces the same documents even after staff edit the petition.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    signature_count: Mapped[int] = mapped_column(Integer, default=0)
    signatures_sha256: Mapped[str] = mapped_column(String(64), default="")
    # Frozen into this batch but withdrawn by their signers before it was rendered: left out
    # of the PDFs, of `signature_count` and of `signatures_sha256`, and counted here.
    withdrawn_after_freeze: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Renewed by the rendering worker with each progress write: a render whose heartbeat
    # stops (the worker died) is taken over once BATCH_LEASE_SECONDS have passed.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The delivery ledger: when, how and by whom the letters reached the recipients.
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivery_channel: Mapped[str] = mapped_column(String(50), default="")
    delivery_note: Mapped[str] = mapped_column(Text, default="")
    delivered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    # Fixed at the freeze, before anything is rendered, so every page of every PDF can
    # carry them: the public receipt page's unguessable token (not the batch id) and the
    # root of the Merkle tree over the canonical lines (receipts/merkle.py).
    receipt_token: Mapped[str | None] = mapped_column(String(32), unique=True)
    merkle_root: Mapped[str] = mapped_column(String(64), default="")

    petition: Mapped[Petition] = relationship(back_populates="batches")
    signatures: Mapped[list[Signature]] = relationship(back_populates="batch")
    documents: Mapped[list[BatchDocument]] = relationship(
        back_populates="batch", order_by="BatchDocument.position", cascade="all, delete-orphan"
    )
    created_by: Mapped[StaffUser | None] = relationship(foreign_keys=[created_by_id])


class BatchDocument(Model):
    """One rendered PDF of a batch: the letter to one recipient."""

    __tablename__ = "batch_documents"
    __table_args__ = (UniqueConstraint("batch_id", "file_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_title: Mapped[str] = mapped_column(String(200), default="")
    file_name: Mapped[str] = mapped_column(String(200))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")

    batch: Mapped[Batch] = relationship(back_populates="documents")


class BatchMail(Model):
    """The delivery ledger's line for one recipient's mail: their PDF of the batch, sent by
    email through the outbox. One per batch and file, so no recipient is mailed twice; the
    outbox row says how the sending went (status, attempts, the server's answer)."""

    __tablename__ = "batch_mails"
    __table_args__ = (UniqueConstraint("batch_id", "file_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    file_name: Mapped[str] = mapped_column(String(200))
    recipient_name: Mapped[str] = mapped_column(String(200))
    to_address: Mapped[str] = mapped_column(String(320))
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    outbox: Mapped[OutboxMessage | None] = relationship()
