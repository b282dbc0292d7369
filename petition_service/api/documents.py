"""Parts of the API's documents about coalitions, cases and languages."""

from __future__ import annotations

from typing import Any

from ..i18n import current_language
from ..mail.links import public_url
from ..organisations import service as organisations
from ..petitions.models import Petition
from ..petitions.texts import languages_of, texts_for


def hub_fields(petition: Petition) -> dict[str, Any]:
    """What `GET /api/v1/petitions/<slug>` adds for sponsors, languages and the case."""
    language = texts_for(petition, current_language()).language
    person = None
    if petition.person_name:
        person = {
            "name": petition.person_name,
            "status": petition.case_status.value if petition.case_status else None,
            "photo_url": public_url("sharing.photo", sha256=petition.photo_sha256, size="large")
            if petition.photo_sha256
            else None,
            **{
                field: value.isoformat() if value else None
                for field, value in (
                    ("detained_on", petition.detained_on),
                    ("trial_on", petition.trial_on),
                    ("sentenced_on", petition.sentenced_on),
                    ("released_on", petition.released_on),
                )
            },
        }
    return {
        "sponsors": organisations.sponsor_names(petition),
        "language": language,
        "languages": languages_of(petition),
        "url": public_url("petitions.show", slug=petition.slug),
        "person": person,
    }
