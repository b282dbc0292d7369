from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request
from spectree import Response
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from ..extensions import db, limiter
from ..i18n import current_language
from ..mail import outbox
from ..petitions import service as petitions
from ..petitions.models import Petition
from ..petitions.texts import texts_for
from ..signatures import challenge
from ..signatures.clients import client_hash, client_hashes
from ..signatures.limits import counts_its_own_limits
from ..signatures.submit import submit_signature
from ..signatures.tokens import issue_form_token
from .documents import hub_fields
from .openapi import spec
from .schemas import (
    Accepted,
    ChallengeOut,
    Error,
    PetitionCount,
    PetitionDetail,
    PetitionList,
    SignatureIn,
    ValidationErrors,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Reads are cheap but not free: one client polling in a tight loop is slowed, not everyone.
read_limit = limiter.limit(
    lambda: current_app.config["API_READ_LIMIT"], key_func=client_hash, methods=["GET"]
)

_errors = {f"HTTP_{code}": Error for code in (400, 404, 410, 413, 415, 429)}


def _summary(petition: Petition) -> dict[str, Any]:
    # The title in the language asked for (`?lang=`), where the petition has it.
    title = texts_for(petition, current_language()).title
    return {"slug": petition.slug, "title": title, "status": petition.status.value}


@bp.get("/petitions")
@read_limit
@spec.validate(resp=Response(HTTP_200=PetitionList, HTTP_429=Error), skip_validation=True,
               tags=["petitions"])  # fmt: skip
def list_petitions():
    """The open petitions."""
    return [_summary(p) for p in petitions.list_open_petitions()]


@bp.get("/petitions/<slug>")
@read_limit
@spec.validate(
    resp=Response(HTTP_200=PetitionDetail, HTTP_404=Error, HTTP_429=Error),
    skip_validation=True,
    tags=["petitions"],
)
def get_petition(slug: str):
    """A petition, its live count and recipients, and a form token for signing it."""
    petition = petitions.get_public_petition(slug)
    accepting = petition.is_accepting_signatures()
    return {
        **_summary(petition),
        "signature_count": petitions.signature_count(petition.id),
        "goal": petition.goal,
        "recipients": [
            {"name": r.name, "title": r.title, "language": r.language} for r in petition.recipients
        ],
        "form_token": issue_form_token(petition.id) if accepting else None,
        "protected_countries": list(petition.protected_countries or []),
        **hub_fields(petition),
    }


@bp.get("/petitions/<slug>/count")
@spec.validate(resp=Response(HTTP_200=PetitionCount, HTTP_404=Error), skip_validation=True,
               tags=["petitions"])  # fmt: skip
def get_count(slug: str):
    """Just the live count, for pages that poll it: served from the count cache, and
    cacheable by browsers and proxies for as long as the cache keeps it."""
    summary = petitions.public_count(slug)
    response = current_app.json.response(summary)
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["COUNT_CACHE_SECONDS"]
    return response


@bp.get("/petitions/<slug>/challenge")
@read_limit
@spec.validate(resp=Response(HTTP_200=ChallengeOut, HTTP_404=Error, HTTP_429=Error),
               skip_validation=True, tags=["signatures"])  # fmt: skip
def get_challenge(slug: str):
    """A proof-of-work challenge (ALTCHA) for signing this petition.

    Solve it (find `number` up to `maxNumber` with SHA-256(salt + number) = challenge) and
    send the base64 JSON of `algorithm`, `challenge`, `number`, `salt` and `signature` as
    `altcha` with the signature. It is needed when `SIGN_CHALLENGE` is `always`, or in `surge`
    mode while the petition or the signer's network signs unusually fast: a signature without
    it is then refused with `422` and `errors.altcha`. Each solution signs once; it expires
    after SIGN_CHALLENGE_TTL_SECONDS.
    """
    petition = petitions.petition_ref(slug)
    response = current_app.json.response(challenge.create_challenge(petition.id))
    response.cache_control.no_store = True
    return response


@bp.post("/petitions/<slug>/signatures")
@counts_its_own_limits
@spec.validate(
    json=SignatureIn,
    resp=Response(HTTP_202=Accepted, HTTP_422=ValidationErrors, **_errors),
    skip_validation=True,
    tags=["signatures"],
)
def sign(slug: str):
    """Sign a petition. The signer confirms by email; a repeat is answered like a new one.

    When a challenge is due (see `GET …/challenge`), `altcha` must carry a solved one."""
    petition = petitions.petition_ref(slug)
    if not request.is_json:
        raise UnsupportedMediaType("Send the signature as application/json.")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object in UTF-8.")
    submit_signature(petition, data, client=client_hashes(), language=current_language())
    db.session.commit()
    outbox.kick()
    return {"status": "pending_confirmation"}, 202


@bp.get("/openapi.json")
def openapi_document():
    return current_app.json.response(spec.spec)
