"""Numbers for the dashboard and a petition's page: counts by status, per day, per country.

Templates get plain data from here, never ORM objects, so a page cannot trigger queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select

from ..extensions import db
from ..letters.models import Batch
from ..petitions.models import Petition, PetitionSponsor, PetitionStatus
from ..petitions.service import count_confirmed_signatures
from ..signatures.display import Display
from ..signatures.models import Signature, SignatureStatus


@dataclass(frozen=True)
class Counts:
    confirmed: int = 0
    pending: int = 0
    invalid: int = 0
    withdrawn: int = 0


@dataclass(frozen=True)
class PetitionSummary:
    slug: str
    title: str
    status: PetitionStatus
    goal: int
    counts: Counts

    @property
    def progress_percent(self) -> int:
        if self.goal <= 0:
            return 100
        return min(100, self.counts.confirmed * 100 // self.goal)

    def as_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "status": self.status.value,
            "goal": self.goal,
            "confirmed": self.counts.confirmed,
            "pending": self.counts.pending,
            "invalid": self.counts.invalid,
            "withdrawn": self.counts.withdrawn,
        }


def counts_by_petition(petition_ids: list[int]) -> dict[int, Counts]:
    """One grouped query for many petitions (the dashboard), rather than one per petition."""
    if not petition_ids:
        return {}
    rows = db.session.execute(
        select(Signature.petition_id, Signature.status, func.count())
        .where(Signature.petition_id.in_(petition_ids))
        .group_by(Signature.petition_id, Signature.status)
    )
    tallies: dict[int, dict[str, int]] = {pid: {} for pid in petition_ids}
    for petition_id, status, number in rows:
        tallies[petition_id][SignatureStatus(status).value] = number
    return {pid: Counts(**values) for pid, values in tallies.items()}


def petition_summaries(organisation_id: int) -> list[PetitionSummary]:
    return _summaries(_summary_rows().where(Petition.organisation_id == organisation_id))


def sponsored_summaries(organisation_id: int) -> list[PetitionSummary]:
    """Other organisations' petitions that this one co-sponsors (read access only)."""
    return _summaries(
        _summary_rows()
        .join(PetitionSponsor, PetitionSponsor.petition_id == Petition.id)
        .where(PetitionSponsor.organisation_id == organisation_id)
    )


def _summary_rows() -> Select[int, str, str, PetitionStatus, int]:
    return select(Petition.id, Petition.slug, Petition.title, Petition.status, Petition.goal)


def _summaries(query: Select[int, str, str, PetitionStatus, int]) -> list[PetitionSummary]:
    """The dashboard's rows for the petitions ``query`` picks, newest first."""
    petitions = list(
        db.session.execute(query.order_by(Petition.created_at.desc(), Petition.id.desc()))
    )
    counts = counts_by_petition([row.id for row in petitions])
    return [
        PetitionSummary(row.slug, row.title, row.status, row.goal, counts[row.id])
        for row in petitions
    ]


def petition_counts(petition: Petition) -> Counts:
    counts = counts_by_petition([petition.id])[petition.id]
    # The confirmed figure is the public count's own definition, so staff and public agree.
    return Counts(
        confirmed=count_confirmed_signatures(petition.id),
        pending=counts.pending,
        invalid=counts.invalid,
        withdrawn=counts.withdrawn,
    )


def waiting_for_batch(petition_id: int) -> int:
    """Confirmed signatures in no batch yet: what the next batch would carry."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Signature)
            .where(
                Signature.petition_id == petition_id,
                Signature.status == SignatureStatus.CONFIRMED,
                Signature.batch_id.is_(None),
            )
        )
        or 0
    )


def petition_summary(petition: Petition) -> PetitionSummary:
    return PetitionSummary(
        petition.slug, petition.title, petition.status, petition.goal, petition_counts(petition)
    )


def _utc_day(column: Any) -> Any:
    # PostgreSQL would otherwise cut days at the session's time zone; SQLite stores UTC.
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def daily_confirmed(
    petition_id: int, days: int, today: date | None = None
) -> list[tuple[date, int]]:
    """Confirmed signatures per UTC day of signing, `days` days up to today, zeros kept."""
    today = today or datetime.now(UTC).date()
    first = today - timedelta(days=days - 1)
    since = datetime(first.year, first.month, first.day, tzinfo=UTC)
    day = _utc_day(Signature.created_at)
    rows = db.session.execute(
        select(day, func.count())
        .where(
            Signature.petition_id == petition_id,
            Signature.status == SignatureStatus.CONFIRMED,
            Signature.created_at >= since,
        )
        .group_by(day)
    )
    per_day = {date.fromisoformat(str(value)): number for value, number in rows}
    return [
        (first + timedelta(days=i), per_day.get(first + timedelta(days=i), 0)) for i in range(days)
    ]


def confirmed_by_country(petition_id: int, top: int = 10) -> list[tuple[str, int]]:
    """The `top` countries by confirmed signatures, then the rest summed as ("", n)."""
    rows = list(
        db.session.execute(
            select(Signature.country, func.count().label("n"))
            .where(
                Signature.petition_id == petition_id,
                Signature.status == SignatureStatus.CONFIRMED,
            )
            .group_by(Signature.country)
            .order_by(func.count().desc(), Signature.country)
        )
    )
    result = [(country, number) for country, number in rows[:top]]
    rest = sum(number for _, number in rows[top:])
    if rest:
        result.append(("", rest))
    return result


def confirmed_by_display(petition_id: int) -> dict[str, int]:
    """Confirmed signatures by how their signers appear in the letters."""
    counts = dict.fromkeys((choice.value for choice in Display), 0)
    rows = db.session.execute(
        select(Signature.display, func.count())
        .where(
            Signature.petition_id == petition_id,
            Signature.status == SignatureStatus.CONFIRMED,
        )
        .group_by(Signature.display)
    )
    for display, number in rows:
        counts[Display(display).value] = number
    return counts


@dataclass(frozen=True)
class BatchRow:
    id: int
    mode: str
    status: str
    signature_count: int
    created_at: datetime
    delivered_at: datetime | None
    delivery_channel: str


def petition_batches(petition_id: int) -> list[BatchRow]:
    batches = db.session.scalars(
        select(Batch).where(Batch.petition_id == petition_id).order_by(Batch.id.desc())
    )
    return [
        BatchRow(
            b.id,
            b.mode.value,
            b.status.value,
            b.signature_count,
            b.created_at,
            b.delivered_at,
            b.delivery_channel,
        )
        for b in batches
    ]
