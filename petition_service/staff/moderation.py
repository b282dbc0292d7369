"""Finding signatures and invalidating abusive ones.

An invalid signature keeps its canonical email, so the same address cannot simply sign
again; it leaves the public count at once (the count cache is cleared after the commit).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update

from ..extensions import db
from ..petitions.models import Petition
from ..signatures.models import Signature, SignatureStatus
from ..types import affected_rows, utcnow

# Withdrawn signatures are gone already; invalid ones are done.
INVALIDATABLE = (SignatureStatus.PENDING, SignatureStatus.CONFIRMED)
PAGE_SIZE = 100


@dataclass(frozen=True)
class SignatureFilter:
    name: str = ""
    email: str = ""
    country: str = ""
    since: datetime | None = None  # created at or after
    until: datetime | None = None  # created before
    status: SignatureStatus | None = None
    domain: str = ""  # the email's domain, exactly (a flood often shares one)
    network: str = ""  # the start of the network hash the flood panel shows

    def is_empty(self) -> bool:
        return not any(
            (self.name, self.email, self.country, self.since, self.until, self.status,
             self.domain.strip(), self.network.strip())
        )  # fmt: skip


def _conditions(petition: Petition, criteria: SignatureFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Signature.petition_id == petition.id]
    if criteria.name.strip():
        # Names are stored NFC; a query typed with combining marks must still match.
        name = unicodedata.normalize("NFC", criteria.name.strip())
        conditions.append(Signature.name.icontains(name, autoescape=True))
    if criteria.email.strip():
        conditions.append(Signature.email.icontains(criteria.email.strip(), autoescape=True))
    if criteria.country.strip():
        conditions.append(Signature.country == criteria.country.strip().upper())
    if criteria.since is not None:
        conditions.append(Signature.created_at >= criteria.since)
    if criteria.until is not None:
        conditions.append(Signature.created_at < criteria.until)
    if criteria.status is not None:
        conditions.append(Signature.status == criteria.status)
    if criteria.domain.strip():
        # The canonical email is lower-cased: "@domain" at its end is exactly that domain
        # (a subdomain would need its own search).
        domain = criteria.domain.strip().lower().lstrip("@")
        conditions.append(Signature.email_canonical.endswith("@" + domain, autoescape=True))
    if criteria.network.strip():
        conditions.append(
            Signature.network_hash.startswith(criteria.network.strip().lower(), autoescape=True)
        )
    return conditions


@dataclass(frozen=True)
class SearchResult:
    total: int
    signatures: list[Signature] = field(default_factory=list)


def search_signatures(
    petition: Petition, criteria: SignatureFilter, page: int = 1, page_size: int = PAGE_SIZE
) -> SearchResult:
    """One page of matching signatures, newest first, and how many match in all."""
    conditions = _conditions(petition, criteria)
    total = db.session.scalar(select(func.count()).select_from(Signature).where(*conditions)) or 0
    rows = db.session.scalars(
        select(Signature)
        .where(*conditions)
        .order_by(Signature.created_at.desc(), Signature.id.desc())
        .limit(page_size)
        .offset((max(page, 1) - 1) * page_size)
    )
    return SearchResult(total, list(rows))


def _invalidatable(
    petition: Petition, criteria: SignatureFilter | None, ids: list[int] | None
) -> list[ColumnElement[bool]]:
    """Which signatures an invalidation touches: the selected ids, or every match of a search.

    Always within `petition` (ids of other petitions are ignored), never a signature already
    frozen in a delivery batch: its letters may be printed, and the batch must stay as counted.
    """
    conditions = _conditions(petition, criteria or SignatureFilter())
    conditions += [Signature.status.in_(INVALIDATABLE), Signature.batch_id.is_(None)]
    if ids is not None:
        conditions.append(Signature.id.in_(ids or [-1]))
    return conditions


@dataclass(frozen=True)
class InvalidationPreview:
    count: int
    frozen_in_batches: int
    # The search's upper bound, pinned no later than the preview, so the confirming POST
    # cannot sweep up signatures that arrived after staff saw the count.
    until: datetime


def preview_invalidation(
    petition: Petition, criteria: SignatureFilter | None, ids: list[int] | None
) -> InvalidationPreview:
    now = utcnow().replace(microsecond=0)
    if criteria is not None and (criteria.until is None or criteria.until > now):
        criteria = _with_until(criteria, now)
    count = db.session.scalar(
        select(func.count()).select_from(Signature).where(*_invalidatable(petition, criteria, ids))
    )
    frozen = db.session.scalar(
        select(func.count())
        .select_from(Signature)
        .where(
            *_conditions(petition, criteria or SignatureFilter()),
            Signature.status.in_(INVALIDATABLE),
            Signature.batch_id.is_not(None),
            *([Signature.id.in_(ids or [-1])] if ids is not None else []),
        )
    )
    until = criteria.until if criteria is not None and criteria.until is not None else now
    return InvalidationPreview(count or 0, frozen or 0, until)


def _with_until(criteria: SignatureFilter, until: datetime) -> SignatureFilter:
    values: dict[str, Any] = {**vars(criteria), "until": until}
    return SignatureFilter(**values)


def invalidate_signatures(
    petition: Petition,
    reason: str,
    criteria: SignatureFilter | None = None,
    ids: list[int] | None = None,
) -> int:
    """Mark the chosen signatures invalid with `reason`; returns how many changed.

    One UPDATE, whatever the number: a bot attack can leave tens of thousands.
    """
    if criteria is None and ids is None:
        raise ValueError("choose signatures by ids or by a search")
    result = db.session.execute(
        update(Signature)
        .where(*_invalidatable(petition, criteria, ids))
        .values(
            status=SignatureStatus.INVALID,
            invalid_reason=reason.strip()[:200],
            invalidated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    return affected_rows(result)
