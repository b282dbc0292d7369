"""The demo's whole loop, so a newcomer sees it after `make run`: the won petition's victory
update mailed to its opted-in signers, and the open petition's first signers delivered in a
small batch, mailed to the officials' example addresses, with its public receipt and the
delivery update to the signers. Mail goes where all mail goes (`instance/outbox/*.eml` in
the embedded default).

Idempotent like the rest of the demo: a petition that already has an update (or a batch)
is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from ..extensions import db
from ..letters.batches import freeze_batch, render_batch
from ..letters.delivery import queue_batch_mail, send_queued_now
from ..letters.models import Batch, BatchMode
from ..mail.sender import send_due_mail
from ..petitions.models import Petition
from ..receipts.service import receipt_url
from ..signatures.display import Display
from ..signatures.models import Signature, SignatureStatus
from ..types import utcnow
from ..updates import prefill
from ..updates import service as updates
from ..updates.models import PetitionUpdate, UpdateKind

# (name, city, country, language, wants news): people who signed for the family visits.
VICTORY_SIGNERS = [
    ("Lê Thị Mai", "Đà Nẵng", "VN", "vi", True),
    ("Jonas Becker", "Berlin", "DE", "en", True),
    ("Phạm Quốc Bảo", "Huế", "VN", "vi", False),
    ("Amélie Laurent", "Lyon", "FR", "en", True),
    ("Nguyễn Hoàng Yến", "Cần Thơ", "VN", "vi", True),
    ("Siobhán Ní Bhriain", "Dublin", "IE", "en", False),
]
# The open petition's first signers: the demo's one delivered batch, with each way of
# appearing (its two signers in Viet Nam kept to initials, or counted only).
FIRST_SIGNERS = [
    ("Trương Minh Đức", "Hà Nội", "VN", "vi", True, Display.INITIALS),
    ("Agnieszka Kowalczyk", "Kraków", "PL", "en", True, Display.FULL),
    ("Võ Thị Thu Hà", "Thành phố Hồ Chí Minh", "VN", "vi", False, Display.ANONYMOUS),
    ("Kwame Mensah", "Accra", "GH", "en", False, Display.FULL),
    ("Đỗ Văn Long", "Westminster", "US", "vi", True, Display.FULL),
    ("Inès Dubois", "Montréal", "CA", "en", True, Display.FULL),
]


@dataclass(frozen=True)
class LoopResult:
    receipt_url: str
    #: One demo signer's private receipt code, to try "Is my signature in it?".
    signer_name: str
    receipt_code: str


def load_demo_loop(open_petition: Petition, victory_petition: Petition) -> LoopResult | None:
    """Create whatever of the loop is missing. Commits as it goes (mail and rendering happen
    after commits, as they do in the service)."""
    _victory_update(victory_petition)
    batch = db.session.scalar(
        select(Batch).where(Batch.petition_id == open_petition.id).order_by(Batch.id)
    )
    if batch is None:
        batch = _delivered_batch(open_petition)
    first = db.session.scalar(
        select(Signature).where(Signature.batch_id == batch.id).order_by(Signature.id)
    )
    if first is None or not first.receipt_code:
        return None
    return LoopResult(receipt_url(batch), first.name, first.receipt_code)


def _add_signers(petition: Petition, signers: list[tuple], days_ago: int) -> None:
    confirmed = utcnow() - timedelta(days=days_ago)
    for number, (name, city, country, language, wants_updates, *display) in enumerate(signers):
        email = f"demo-signer-{petition.slug}-{number + 1}@example.org"
        db.session.add(
            Signature(
                petition_id=petition.id,
                name=name,
                email=email,
                email_canonical=email,
                country=country,
                city=city,
                consent=True,
                wants_updates=wants_updates,
                language=language,
                display=display[0] if display else Display.FULL,
                status=SignatureStatus.CONFIRMED,
                created_at=confirmed - timedelta(minutes=10 + number),
                confirmed_at=confirmed,
            )
        )
    db.session.flush()


def _mail_now() -> None:
    """Queue every due step of the mailings and send the mail at once (no consumer runs in
    the `demo load` process)."""
    moment = utcnow()
    while updates.mail_due_updates(moment).more:
        moment += updates.STEP
    send_due_mail()


def _victory_update(petition: Petition) -> None:
    if db.session.scalar(
        select(PetitionUpdate.id).where(PetitionUpdate.petition_id == petition.id)
    ):
        return
    _add_signers(petition, VICTORY_SIGNERS, days_ago=320)
    updates.publish_update(
        petition,
        updates.UpdateInput(
            subject=prefill.victory_subject(petition),
            body=petition.update_message,
            kind=UpdateKind.VICTORY,
            send=True,
        ),
    )
    db.session.commit()
    _mail_now()


def _delivered_batch(petition: Petition) -> Batch:
    _add_signers(petition, FIRST_SIGNERS, days_ago=30)
    # Annex mode keeps `make run` quick: one letter per recipient, then the table.
    batch = freeze_batch(petition, BatchMode.ANNEX)
    db.session.commit()
    batch = render_batch(batch.id)
    report = queue_batch_mail(batch)
    db.session.commit()
    send_queued_now(report.queued)  # recorded as delivered by email once both are sent
    subject, body = prefill.delivery_update(batch)
    updates.publish_update(
        petition,
        updates.UpdateInput(subject=subject, body=body, kind=UpdateKind.DELIVERY, send=True),
    )
    db.session.commit()
    _mail_now()
    return batch
