from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from werkzeug.exceptions import BadRequest

from ..extensions import db
from ..i18n import current_language
from ..mail import outbox
from ..petitions import service as petitions
from ..petitions.pages import render_petition_page
from . import service
from .clients import client_hash
from .form import form_context
from .limits import count_sign_attempt
from .tokens import check_form_token
from .validation import validate_signature

bp = Blueprint("signatures", __name__)


def _thanks_url(slug: str, embedded: bool) -> str:
    endpoint = "embed.thanks" if embedded else "signatures.thanks"
    return url_for(endpoint, slug=slug, lang=current_language())


def _submitted_fields() -> dict[str, str]:
    """The posted fields, refusing bytes that are not UTF-8 instead of guessing at them
    (Werkzeug would keep them as literal %XX text, and a name must be exactly as typed)."""
    if request.mimetype != "application/x-www-form-urlencoded":
        return request.form.to_dict(flat=True)
    try:
        pairs = parse_qsl(request.get_data(as_text=False).decode("ascii"), keep_blank_values=True,
                          encoding="utf-8", errors="strict", max_num_fields=50)  # fmt: skip
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("The form was not sent as UTF-8 text. Please try again.") from exc
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


@bp.post("/p/<slug>/sign")
def sign(slug: str):
    embedded = request.args.get("embed") == "1"
    petition = petitions.petition_ref(slug)
    g.petition = petition
    if not petition.is_accepting_signatures():
        return render_template("signatures/closed.html", petition=petition,
                               embedded=embedded), 410  # fmt: skip

    data = _submitted_fields()
    if data.get("website"):
        # The honeypot: a person never sees this field. Answer exactly like a success
        # (counted like one too, so a bot hammering it is slowed like any client).
        count_sign_attempt(slug)
        return redirect(_thanks_url(slug, embedded), 303)

    token_problem = check_form_token(data.get("form_token"), petition.id)
    result = validate_signature(data)
    signature = result.value  # None when anything is wrong
    if token_problem or signature is None:
        # The form again, which needs the whole petition: a rarer path than signing.
        full = petitions.get_public_petition(slug)
        if embedded:
            context = form_context(full, embedded=True, values=data, errors=result.errors,
                                   token_problem=token_problem)  # fmt: skip
            return render_template("embed/form.html", **context), 422
        return render_petition_page(full, values=data, errors=result.errors,
                                    token_problem=token_problem), 422  # fmt: skip

    count_sign_attempt(slug)
    service.sign_petition(petition, signature, client_hash=client_hash(),
                          language=current_language())  # fmt: skip
    db.session.commit()
    outbox.kick()
    # A repeat gets the same answer as a new signature: the page never says who has signed.
    return redirect(_thanks_url(slug, embedded), 303)


@bp.get("/p/<slug>/thanks")
def thanks(slug: str):
    petition = petitions.get_public_petition(slug)
    return render_template("signatures/thanks.html", petition=petition, embedded=False)


@bp.get("/p/<slug>/sign")
def sign_form(slug: str):
    """Someone who reloads the result of a failed POST lands here: show the form again."""
    petition = petitions.get_public_petition(slug)
    if not petition.is_accepting_signatures():
        abort(410)
    return redirect(url_for("petitions.show", slug=slug, lang=current_language()) + "#sign")
