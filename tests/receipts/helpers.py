"""A small rendered batch, for the receipt and delivery tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from petition_service.extensions import db
from petition_service.letters.batches import freeze_batch, render_batch
from tests.factories import make_petition, make_signature

RECIPIENTS = [
    {
        "name": "Nguyễn Phú Trọng",
        "title": "State President",
        "salutation": "Your Excellency,",
        "postal_address": "Office of the State President\nHà Nội\nViệt Nam",
        "email": "office.president@example.org",
    },
    {
        "name": "Nguyễn Đình Ba",
        "title": "Prison Director",
        "salutation": "Dear Director,",
        "postal_address": "Office of the Prison Director\nViệt Nam",
        "email": "prison.director@example.org",
    },
    {
        "name": "Lê Văn Thành",
        "title": "Minister of Public Security",
        "salutation": "Dear Minister,",
        "postal_address": "Ministry of Public Security\nHà Nội",
    },
]
SIGNERS = ["Trần Văn Hùng", "Łukasz Wójcik", "Phạm Đoan Trang", "Zoë Ólafsdóttir", "Đặng Bích"]


@dataclass(frozen=True)
class Rendered:
    batch_id: int
    slug: str
    codes: list[str]


def render_a_batch(organisation=None, mode: str = "annex", signers=SIGNERS) -> Rendered:
    """A petition with three recipients (two with an address), its signers frozen into a
    batch and rendered. Call inside an app context."""
    fields = {"organisation": organisation} if organisation is not None else {}
    petition = make_petition(recipients=RECIPIENTS, title="Free Trần Thị Nga", **fields)
    signatures = [
        make_signature(petition, name=name, confirmed_at=datetime(2024, 3, 1, 9, tzinfo=UTC))
        for name in signers
    ]
    batch = freeze_batch(petition, mode)
    db.session.commit()
    render_batch(batch.id)
    return Rendered(batch.id, petition.slug, [s.receipt_code for s in signatures])
