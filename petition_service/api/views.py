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
from ..signatures import service as signatures
from ..signatures.clients import client_hash
from ..signatures.limits import count_sign_attempt
from ..signatures.tokens import check_form_token, issue_form_token, token_problem_message
from ..signatures.validation import validate_signature
from .documents import hub_fields
from .openapi import spec
from .schemas import (
    Accepted,
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


@bp.post("/petitions/<slug>/signatures")
@spec.validate(
    json=SignatureIn,
    resp=Response(HTTP_202=Accepted, HTTP_422=ValidationErrors, **_errors),
    skip_validation=True,
    tags=["signatures"],
)
def sign(slug: str):
    """Sign a petition. The signer confirms by email; a repeat is answered like a new one."""
    petition = petitions.petition_ref(slug)
    if not petition.is_accepting_signatures():
        return {"error": {"code": 410, "name": "Gone", "message": petition.update_message
                          or "This petition no longer accepts signatures."}}, 410  # fmt: skip
    if not request.is_json:
        raise UnsupportedMediaType("Send the signature as application/json.")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object in UTF-8.")

    accepted = {"status": "pending_confirmation"}
    if data.get("website"):
        count_sign_attempt(slug)
        return accepted, 202  # the honeypot: dropped, answered (and counted) like a success

    result = validate_signature(data)
    errors = {field: [str(message) for message in messages]
              for field, messages in result.errors.items()}  # fmt: skip
    token_problem = check_form_token(data.get("form_token"), petition.id)
    if token_problem:
        errors["form_token"] = [token_problem_message(token_problem)]
    if errors or result.value is None:
        body: dict[str, Any] = {"errors": errors}
        if token_problem:
            body["form_token"] = issue_form_token(petition.id)
        return body, 422

    count_sign_attempt(slug)
    signatures.sign_petition(petition, result.value, client_hash=client_hash(),
                             language=current_language())  # fmt: skip
    db.session.commit()
    outbox.kick()
    return accepted, 202


@bp.get("/openapi.json")
def openapi_document():
    return current_app.json.response(spec.spec)
