"""Who may frame a response: the embed pages follow their petition's allowed origins,
everything else refuses to be framed (see security.py).

An organisation's embedded form signs several petitions at once, so it may be framed only
where every one of them may: by the origins all their lists share (a petition with an empty
list allows any site and restricts nothing). When their lists have no origin in common, no
site may frame it; staff then align the lists, or embed those petitions one by one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from flask import g, request
from sqlalchemy import select

from ..extensions import db
from ..petitions.models import Petition

# Responses that belong inside the iframe: the embed pages, and the sign endpoint when the
# embedded form posted to it (its 422, 429 and 410 answers must show in the frame too).
EMBED_ENDPOINTS = {
    "embed.form",
    "embed.thanks",
    "embed.organisation_form",
    "embed.organisation_thanks",
}
SIGN_ENDPOINTS = {"signatures.sign", "organisations.sign"}
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d{1,5})?$")


def is_embedded_request() -> bool:
    return request.endpoint in EMBED_ENDPOINTS or (
        request.endpoint in SIGN_ENDPOINTS and request.args.get("embed") == "1"
    )


def frame_ancestors(origins: Sequence[str]) -> str:
    """The CSP source list; only well-formed origins get through, so a stored value can
    never inject another directive. No list means any site may embed the form."""
    safe = [origin for origin in origins if _ORIGIN.match(origin)]
    return " ".join(safe) if safe else "*"


def shared_frame_ancestors(lists: Iterable[Sequence[str]]) -> str:
    """The CSP source list for a form that signs several petitions: the origins every
    petition allows (see the module docstring); `'none'` when they share none."""
    restricting = [
        {origin for origin in origins if _ORIGIN.match(origin)} for origins in lists if origins
    ]
    if not restricting:
        return "*"
    shared = set.intersection(*restricting)
    return " ".join(sorted(shared)) if shared else "'none'"


def embed_frame_ancestors() -> str | None:
    """frame-ancestors for this response if it may be framed, else None."""
    if not is_embedded_request():
        return None
    ancestors = g.get("frame_ancestors")
    if ancestors is not None:  # set by an organisation's embed views
        return ancestors
    if request.endpoint in ("organisations.sign", "embed.organisation_form",
                            "embed.organisation_thanks"):  # fmt: skip
        # Answered before the view said (an unknown organisation, say): as its form would.
        from ..organisations.signing import organisation_frame_ancestors

        return organisation_frame_ancestors((request.view_args or {}).get("slug", ""))
    petition = g.get("petition")
    if petition is not None:
        origins = petition.allowed_origins
    else:  # answered before the view ran (a rate limit, say): look the petition up
        slug = (request.view_args or {}).get("slug")
        origins = db.session.scalar(select(Petition.allowed_origins).where(Petition.slug == slug))
        if origins is None:
            return None
    return frame_ancestors(origins or [])
