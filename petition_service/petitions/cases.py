"""The person a petition is about, as the pages show them: plain data, labels translated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Flask, url_for
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from .models import CaseStatus, Petition

STATUS_LABELS = {
    CaseStatus.DETAINED: _l("Detained"),
    CaseStatus.ON_TRIAL: _l("On trial"),
    CaseStatus.SENTENCED: _l("Sentenced"),
    CaseStatus.HOUSE_ARREST: _l("Under house arrest"),
    CaseStatus.MISSING: _l("Whereabouts unknown"),
    CaseStatus.RELEASED: _l("Released"),
}

# (column, label) in the order the dates happen.
DATE_FIELDS = (
    ("detained_on", _l("Arrested")),
    ("trial_on", _l("Trial")),
    ("sentenced_on", _l("Sentenced")),
    ("released_on", _l("Released")),
)


@dataclass(frozen=True)
class CaseView:
    person_name: str
    status: str | None  # the CaseStatus value, for CSS classes
    status_label: str
    good_news: bool
    dates: list[tuple[str, str, str]]  # (label, shown date, ISO date)
    photo_small: str | None
    photo_large: str | None


def photo_urls(sha256: str | None, external: bool = False) -> tuple[str | None, str | None]:
    if not sha256:
        return None, None
    return (
        url_for("sharing.photo", sha256=sha256, size="small", _external=external),
        url_for("sharing.photo", sha256=sha256, size="large", _external=external),
    )


def status_label(status: CaseStatus | None) -> str:
    return str(STATUS_LABELS[status]) if status is not None else ""


def case_view(petition: Petition) -> CaseView | None:
    """The case of `petition`, or None when it is not about one person."""
    if not petition.person_name:
        return None
    dates: list[tuple[str, str, str]] = []
    for field, label in DATE_FIELDS:
        value: date | None = getattr(petition, field)
        if value is not None:
            dates.append((str(label), format_date(value, "long"), value.isoformat()))
    small, large = photo_urls(petition.photo_sha256)
    status = petition.case_status
    return CaseView(
        person_name=petition.person_name,
        status=status.value if status else None,
        status_label=status_label(status),
        good_news=status is CaseStatus.RELEASED,
        dates=dates,
        photo_small=small,
        photo_large=large,
    )


def photo_url(sha256: str | None, size: str = "small") -> str | None:
    return url_for("sharing.photo", sha256=sha256, size=size) if sha256 else None


def init_app(app: Flask) -> None:
    """Template helpers for the pages that show petitions (the embed's templates are
    shared with the sign view, so they ask for what they need here, not from their view)."""
    from ..i18n import current_language
    from ..mail.links import public_url
    from .texts import texts_for

    app.jinja_env.globals.update(
        case_status_label=status_label,
        photo_url=photo_url,
        petition_case=case_view,
        petition_texts=lambda petition: texts_for(petition, current_language()),
        public_url=public_url,
    )
