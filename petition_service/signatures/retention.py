"""What we keep about a signer, and for how long: the privacy sweeps.

Each sweep erases one kind of personal data once what it serves is over (README, "What we
keep about a signer, and for how long"):

- unconfirmed signatures, PENDING_SIGNATURE_TTL_HOURS after they were made (deleted);
- a signature's client and network hashes, once the rate-limit windows and the staff flood
  panel's hour they serve have passed (`client_hash_lifetime`);
- names, emails, cities and client hashes of a closed or won petition whose confirmed
  signatures were all delivered (in batches recorded as delivered),
  PERSONAL_DATA_RETENTION_DAYS after it closed; counts, countries and dates stay;
- the body of every sent mail, and the address of mail to signers an hour after it went;
- `.eml` files of signatures withdrawn, erased or purged;
- links past their time, and the rate limiter's ended windows.

`run_privacy_sweeps` runs them all (the periodic job and `flask data purge`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select, update

from ..extensions import db, limiter
from ..letters.models import Batch
from ..mail.outbox import erase_sent_mail, erase_signature_mail
from ..mail.sender import remove_mail_files
from ..petitions.models import Petition, PetitionStatus
from ..ratelimit_storage import SQLiteStorage
from ..types import affected_rows, utcnow
from .lifecycle import purge_expired_pending
from .limits import parse_rules
from .links import purge_expired_links, remove_links
from .models import Signature, SignatureStatus
from .together import drop_empty_submissions

log = logging.getLogger(__name__)

#: The staff flood panel groups the last hour's signatures by network hash.
FLOOD_PANEL_WINDOW = timedelta(hours=1)
ERASE_CHUNK = 500


@dataclass
class PurgeReport:
    """What one run of the sweeps erased, for the log and `flask data purge`."""

    pending_signatures: int = 0
    client_hashes: int = 0
    retention_petitions: list[str] = field(default_factory=list)
    retention_signatures: int = 0
    mail_bodies: int = 0
    mail_addresses: int = 0
    mail_files: int = 0
    expired_links: int = 0
    rate_limit_windows: int = 0

    def lines(self) -> list[str]:
        petitions = ", ".join(self.retention_petitions) or "none"
        return [
            f"unconfirmed signatures deleted: {self.pending_signatures}",
            f"client and network hashes erased: {self.client_hashes}",
            f"petitions past retention: {petitions}",
            f"signatures whose name, email and city were erased: {self.retention_signatures}",
            f"mail bodies erased: {self.mail_bodies}",
            f"mail addresses erased: {self.mail_addresses}",
            f"mail files deleted: {self.mail_files}",
            f"expired links deleted: {self.expired_links}",
            f"ended rate-limit windows deleted: {self.rate_limit_windows}",
        ]


def client_hash_lifetime() -> timedelta:
    """How long a signature keeps its client and network hashes: the longest window of the
    sign limits and surge thresholds that count by client or network, and at least the
    flood panel's hour (staff read networks there, and search by them to act on a flood)."""
    config = current_app.config
    longest = FLOOD_PANEL_WINDOW
    for setting in ("SIGN_LIMITS_PER_CLIENT", "SIGN_LIMIT_PER_NETWORK", "SIGN_SURGE_PER_NETWORK"):
        for rule in parse_rules(config[setting]):
            longest = max(longest, timedelta(seconds=rule.get_expiry()))
    return longest


def erase_client_hashes(now: datetime | None = None) -> int:
    """Erase the client and network hashes older than `client_hash_lifetime`. Never commits."""
    cutoff = (now or utcnow()) - client_hash_lifetime()
    result = db.session.execute(
        update(Signature)
        .where(
            Signature.created_at < cutoff,
            or_(Signature.client_hash.is_not(None), Signature.network_hash.is_not(None)),
        )
        .values(client_hash=None, network_hash=None)
        .execution_options(synchronize_session=False)
    )
    return affected_rows(result)


def retention_days() -> int:
    return int(current_app.config["PERSONAL_DATA_RETENTION_DAYS"])


def _undelivered() -> Any:
    """A confirmed signature in no batch, or in one not recorded as delivered."""
    return and_(
        Signature.status == SignatureStatus.CONFIRMED,
        or_(
            Signature.batch_id.is_(None),
            ~exists().where(Batch.id == Signature.batch_id, Batch.delivered_at.is_not(None)),
        ),
    )


@dataclass(frozen=True)
class RetentionPlan:
    """When a petition's personal data goes, for its staff page."""

    days: int
    erased_at: datetime | None
    # The earliest erasure: `days` after the petition closed (None while it is open).
    due_at: datetime | None
    # Confirmed signatures not yet delivered: the data waits for them.
    undelivered: int


def retention_plan(petition: Petition) -> RetentionPlan:
    closed = petition.status in (PetitionStatus.CLOSED, PetitionStatus.VICTORY)
    days = retention_days()
    undelivered = db.session.scalar(
        select(func.count())
        .select_from(Signature)
        .where(Signature.petition_id == petition.id, _undelivered())
    )
    erased = petition.personal_data_erased_at
    if erased is not None and petition.closed_at is not None and erased < petition.closed_at:
        erased = None  # reopened and closed since: new signers' data is kept again
    return RetentionPlan(
        days=days,
        erased_at=erased,
        due_at=petition.closed_at + timedelta(days=days) if closed and petition.closed_at else None,
        undelivered=undelivered or 0,
    )


def petitions_past_retention(now: datetime | None = None) -> list[Petition]:
    """Closed or won petitions, closed at least PERSONAL_DATA_RETENTION_DAYS ago, whose
    confirmed signatures are all in batches recorded as delivered, and whose data has not
    been erased since they closed."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days())
    undelivered = exists().where(Signature.petition_id == Petition.id, _undelivered())
    return list(
        db.session.scalars(
            select(Petition).where(
                Petition.status.in_([PetitionStatus.CLOSED, PetitionStatus.VICTORY]),
                Petition.closed_at.is_not(None),
                Petition.closed_at <= cutoff,
                or_(
                    Petition.personal_data_erased_at.is_(None),
                    Petition.personal_data_erased_at < Petition.closed_at,
                ),
                ~undelivered,
            )
        )
    )


_HOLDS_DATA = or_(
    Signature.email != "",
    Signature.name != "",
    Signature.city != "",
    Signature.client_hash.is_not(None),
    Signature.network_hash.is_not(None),
)


def erase_petition_personal_data(petition: Petition, now: datetime | None = None) -> int:
    """Erase the names, emails, cities and client hashes of every signature of the petition,
    with their mail and links; counts, countries, statuses and dates stay. Returns how many
    signatures held data. Never commits."""
    erased = 0
    while True:
        ids = list(
            db.session.scalars(
                select(Signature.id)
                .where(Signature.petition_id == petition.id, _HOLDS_DATA)
                .limit(ERASE_CHUNK)
            )
        )
        if not ids:
            break
        erase_signature_mail(ids)
        remove_links(ids)
        erased += affected_rows(
            db.session.execute(
                update(Signature)
                .where(Signature.id.in_(ids))
                .values(
                    name="",
                    email="",
                    city="",
                    email_canonical=None,
                    client_hash=None,
                    network_hash=None,
                    wants_updates=False,
                )
                .execution_options(synchronize_session=False)
            )
        )
    petition.personal_data_erased_at = now or utcnow()
    db.session.flush()
    return erased


def run_privacy_sweeps(now: datetime | None = None) -> PurgeReport:
    """Every privacy sweep at once, committed; then the mail files of what was erased."""
    now = now or utcnow()
    report = PurgeReport()
    report.pending_signatures = purge_expired_pending(now)
    drop_empty_submissions()
    report.client_hashes = erase_client_hashes(now)
    for petition in petitions_past_retention(now):
        report.retention_petitions.append(petition.slug)
        report.retention_signatures += erase_petition_personal_data(petition, now)
    report.mail_bodies, report.mail_addresses = erase_sent_mail(now)
    report.expired_links = purge_expired_links(now)
    db.session.commit()
    # After the commit: a file is deleted only once its signature's erasure is recorded.
    report.mail_files = remove_mail_files()
    storage = limiter.storage
    if isinstance(storage, SQLiteStorage):
        report.rate_limit_windows = storage.purge_expired()
    return report
