"""The API's organisations and coalitions, and signing several of their petitions at once.

Routes here join the API blueprint (imported by create_app), so they share its CORS,
CSRF exemption and read limit."""

from __future__ import annotations

from flask import current_app, request
from spectree import Response
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from ..extensions import db
from ..i18n import current_language
from ..mail import outbox
from ..organisations import service as organisations
from ..organisations import signing
from ..signatures import challenge
from ..signatures.clients import client_hashes
from ..signatures.limits import counts_its_own_limits
from ..signatures.tokens import issue_form_token
from .openapi import spec
from .schemas import (
    Accepted,
    ChallengeOut,
    Error,
    OrganisationDetail,
    SeveralSignaturesIn,
    ValidationErrors,
)
from .views import bp, read_limit

_errors = {f"HTTP_{code}": Error for code in (400, 404, 410, 413, 415, 429)}


@bp.get("/organisations/<slug>")
@read_limit
@spec.validate(
    resp=Response(HTTP_200=OrganisationDetail, HTTP_404=Error, HTTP_429=Error),
    skip_validation=True,
    tags=["organisations"],
)
def get_organisation(slug: str):
    """A public organisation or coalition: its members and its petitions with their counts,
    and a form token for signing several of its open petitions at once."""
    document = organisations.organisation_document(slug, current_language())
    scope = signing.organisation_scope(document.organisation_id)
    return {**document.body, "form_token": issue_form_token(scope) if document.accepting else None}


@bp.get("/organisations/<slug>/challenge")
@read_limit
@spec.validate(resp=Response(HTTP_200=ChallengeOut, HTTP_404=Error, HTTP_429=Error),
               skip_validation=True, tags=["signatures"])  # fmt: skip
def get_organisation_challenge(slug: str):
    """A proof-of-work challenge (ALTCHA) for signing several of this organisation's
    petitions at once; as `GET /petitions/{slug}/challenge`, bound to the organisation."""
    organisation = organisations.get_public_organisation(slug)
    body = challenge.create_challenge(signing.organisation_scope(organisation.id))
    response = current_app.json.response(body)
    response.cache_control.no_store = True
    return response


@bp.post("/organisations/<slug>/signatures")
@counts_its_own_limits
@spec.validate(
    json=SeveralSignaturesIn,
    resp=Response(HTTP_202=Accepted, HTTP_422=ValidationErrors, **_errors),
    skip_validation=True,
    tags=["signatures"],
)
def sign_several(slug: str):
    """Sign several open petitions of this organisation (or, for a coalition, of its
    members) at once: one signature per petition, one confirmation mail for them all.

    `petitions` lists their slugs (at least one; anything this organisation's form does not
    sign is a `422` on `petitions`); `form_token` comes from `GET /organisations/{slug}`
    and `altcha`, when a challenge is due, from `GET /organisations/{slug}/challenge`.
    The limits count the submission once in each petition's windows."""
    if not request.is_json:
        raise UnsupportedMediaType("Send the signature as application/json.")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object in UTF-8.")
    fields = {name: value for name, value in data.items() if name != "petitions"}
    signing.sign_several(slug, fields, data.get("petitions"), client=client_hashes(),
                         language=current_language())  # fmt: skip
    db.session.commit()
    outbox.kick()
    return {"status": "pending_confirmation"}, 202
