"""What staff do with a batch that exists: follow its rendering, record its delivery.

Creating and downloading batches belongs to the letters module."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from ..extensions import db
from ..letters.models import Batch, BatchStatus
from .models import StaffUser
from .service import StaffError

IN_PROGRESS = (BatchStatus.QUEUED, BatchStatus.RENDERING)
DELIVERY_CHANNELS = ("post", "hand", "email", "fax", "courier", "other")


def batch_progress(batch: Batch) -> dict[str, Any]:
    """The status document of the contract: {"id", "status", "done", "total"}."""
    return {
        "id": batch.id,
        "status": batch.status.value,
        "done": batch.progress_done,
        "total": batch.progress_total,
    }


def delivery_record(batch: Batch) -> dict[str, Any]:
    return {
        **batch_progress(batch),
        "delivered_at": batch.delivered_at.date().isoformat() if batch.delivered_at else None,
        "delivery_channel": batch.delivery_channel,
        "delivery_note": batch.delivery_note,
        "delivered_by": batch_delivered_by(batch),
    }


def batch_delivered_by(batch: Batch) -> str | None:
    if batch.delivered_by_id is None:
        return None
    user = db.session.get(StaffUser, batch.delivered_by_id)
    return user.email if user else None


def mark_delivered(
    batch: Batch, delivered_on: date, channel: str, note: str, by: StaffUser
) -> None:
    """Write the delivery ledger: the letters of `batch` reached their recipients.

    The ledger is evidence for the campaign, so an entry is written once, not overwritten.
    """
    if batch.status is not BatchStatus.DONE:
        raise StaffError("Only a finished batch can be delivered.")
    if batch.delivered_at is not None:
        raise StaffError("This batch is already marked as delivered.")
    if channel not in DELIVERY_CHANNELS:
        raise StaffError(f"Unknown delivery channel {channel!r}.")
    if delivered_on > datetime.now(UTC).date():
        raise StaffError("The delivery date cannot be in the future.")
    batch.delivered_at = datetime.combine(delivered_on, time(), tzinfo=UTC)
    batch.delivery_channel = channel
    batch.delivery_note = note.strip()
    batch.delivered_by_id = by.id
