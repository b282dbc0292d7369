"""What staff see of a flood: the last hour's signing against the petition's usual rate and,
when it is unusual, where it comes from (networks as keyed hashes, email domains).

Read from what every signature stores already (`created_at`, `network_hash`, the canonical
email), so signing pays nothing for it: two counts per page view, two grouped queries more
only when the hour is unusual.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from ..extensions import db
from ..signatures.models import Signature
from ..types import utcnow

#: Unusual: at least this many in the hour...
FLOOD_MIN_PER_HOUR = 30
#: ...and this many times the petition's usual hourly rate.
FLOOD_FACTOR = 3
#: The usual rate is the mean per hour over at most this long before the last hour.
USUAL_WINDOW = timedelta(days=7)
TOP = 5
#: How much of a network hash is shown (and searched by): enough to tell networks apart.
NETWORK_PREFIX = 12


@dataclass(frozen=True)
class FloodReport:
    last_hour: int
    usual_per_hour: float
    unusual: bool
    networks: list[tuple[str, int]] = field(default_factory=list)
    domains: list[tuple[str, int]] = field(default_factory=list)


def _email_domain(dialect: str) -> Any:
    column = Signature.email_canonical
    if dialect == "postgresql":
        return func.split_part(column, "@", 2)
    return func.substr(column, func.instr(column, "@") + 1)


def flood_report(petition_id: int, opened_at: datetime, now: datetime | None = None) -> FloodReport:
    """The signing of the last hour (every submission recorded, whatever its status now)
    against the mean hourly rate before it, since `opened_at` and within USUAL_WINDOW."""
    now = now or utcnow()
    hour_ago = now - timedelta(hours=1)
    since = max(now - USUAL_WINDOW, opened_at)
    of_petition = Signature.petition_id == petition_id
    last_hour = db.session.scalar(
        select(func.count()).where(of_petition, Signature.created_at >= hour_ago)
    ) or 0  # fmt: skip
    before = db.session.scalar(
        select(func.count()).where(
            of_petition, Signature.created_at >= since, Signature.created_at < hour_ago
        )
    ) or 0  # fmt: skip
    hours = max((hour_ago - since).total_seconds() / 3600, 1.0)
    usual = before / hours
    unusual = last_hour >= FLOOD_MIN_PER_HOUR and last_hour > FLOOD_FACTOR * usual
    if not unusual:
        return FloodReport(last_hour, usual, False)

    recent = (of_petition, Signature.created_at >= hour_ago)
    network = func.substr(Signature.network_hash, 1, NETWORK_PREFIX)
    networks = db.session.execute(
        select(network, func.count())
        .where(*recent, Signature.network_hash.is_not(None))
        .group_by(network)
        .order_by(func.count().desc(), network)
        .limit(TOP)
    ).all()
    domain = _email_domain(db.session.get_bind().dialect.name)
    domains = db.session.execute(
        select(domain, func.count())
        .where(*recent, Signature.email_canonical.is_not(None))
        .group_by(domain)
        .order_by(func.count().desc(), domain)
        .limit(TOP)
    ).all()
    return FloodReport(
        last_hour,
        usual,
        True,
        networks=[(str(n), int(c)) for n, c in networks],
        domains=[(str(d), int(c)) for d, c in domains],
    )
