from __future__ import annotations

from typing import Any

from ..petitions import service as petitions
from ..petitions.models import Petition
from . import bp


def _summary(petition: Petition) -> dict[str, Any]:
    return {"slug": petition.slug, "title": petition.title, "status": petition.status.value}


@bp.get("/petitions")
def list_petitions():
    return [_summary(p) for p in petitions.list_open_petitions()]


@bp.get("/petitions/<slug>")
def get_petition(slug: str):
    petition = petitions.get_public_petition(slug)
    return {
        **_summary(petition),
        "signature_count": petitions.signature_count(petition.id),
        "goal": petition.goal,
        "recipients": [{"name": r.name, "title": r.title} for r in petition.recipients],
    }
