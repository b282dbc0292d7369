"""Who may frame a response: the embed pages follow their petition's allowed origins,
everything else refuses to be framed (see security.py)."""

from __future__ import annotations

import re

from flask import g, request
from sqlalchemy import select

from ..extensions import db
from ..petitions.models import Petition

# Responses that belong inside the iframe: the embed pages, and the sign endpoint when the
# embedded form posted to it (its 422, 429 and 410 answers must show in the frame too).
EMBED_ENDPOINTS = {"embed.form", "embed.thanks"}
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d{1,5})?$")


def is_embedded_request() -> bool:
    return request.endpoint in EMBED_ENDPOINTS or (
        request.endpoint == "signatures.sign" and request.args.get("embed") == "1"
    )


def frame_ancestors(origins: list[str]) -> str:
    """The CSP source list; only well-formed origins get through, so a stored value can
    never inject another directive. No list means any site may embed the form."""
    safe = [origin for origin in origins if _ORIGIN.match(origin)]
    return " ".join(safe) if safe else "*"


def embed_frame_ancestors() -> str | None:
    """frame-ancestors for this response if it may be framed, else None."""
    if not is_embedded_request():
        return None
    petition = g.get("petition")
    if petition is not None:
        origins = petition.allowed_origins
    else:  # answered before the view ran (a rate limit, say): look the petition up
        slug = (request.view_args or {}).get("slug")
        origins = db.session.scalar(select(Petition.allowed_origins).where(Petition.slug == slug))
        if origins is None:
            return None
    return frame_ancestors(origins or [])
