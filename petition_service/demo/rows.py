"""Idempotent helpers for the demo: create a row only where it is missing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..petitions.models import Organisation


def ensure_organisation(spec: dict[str, Any]) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == spec["slug"]))
    if organisation is None:
        organisation = Organisation(
            slug=spec["slug"],
            name=spec["name"],
            website=spec.get("website"),
            description=spec.get("description", ""),
        )
        db.session.add(organisation)
        db.session.flush()
    return organisation
