from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Blueprint, g, redirect, render_template, request, url_for
from werkzeug.exceptions import BadRequest

from ..errors import html_renderer
from ..extensions import db
from ..i18n import current_language
from ..mail import outbox
from ..petitions import service as petitions
from ..petitions.pages import render_petition_page
from .clients import client_hashes
from .form import form_context
from .submit import PetitionClosed, SubmissionRefused, submit_signature

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
    petition = petitions.petition_ref(slug)
    g.petition = petition
    submit_signature(petition, _submitted_fields(), client=client_hashes(),
                     language=current_language())  # fmt: skip
    db.session.commit()
    outbox.kick()
    # A repeat (and the honeypot) get the same answer as a new signature: the page never
    # says who has signed.
    return redirect(_thanks_url(slug, _embedded()), 303)


def _embedded() -> bool:
    return request.args.get("embed") == "1"


@html_renderer(bp, SubmissionRefused)
def _form_again(error: SubmissionRefused) -> str:
    """The form again with every problem shown and the values kept (a rarer path than
    signing, so here the whole petition is loaded)."""
    full = petitions.get_public_petition(error.petitions[0].slug)
    if _embedded():
        context = form_context(full, embedded=True, values=error.fields,
                               errors=error.field_errors, token_problem=error.token_problem,
                               challenge_problem=error.challenge_problem)  # fmt: skip
        return render_template("embed/form.html", **context)
    return render_petition_page(full, values=error.fields, errors=error.field_errors,
                                token_problem=error.token_problem,
                                challenge_problem=error.challenge_problem)  # fmt: skip


@html_renderer(bp, PetitionClosed)
def _closed(error: PetitionClosed) -> str:
    return render_template("signatures/closed.html", petition=error.petition,
                           embedded=_embedded())  # fmt: skip


@bp.get("/p/<slug>/thanks")
def thanks(slug: str):
    petition = petitions.get_public_petition(slug)
    return render_template("signatures/thanks.html", petition=petition, embedded=False)


@bp.get("/p/<slug>/sign")
def sign_form(slug: str):
    """Someone who reloads the result of a failed POST lands here: show the form again."""
    petition = petitions.get_public_petition(slug)
    if not petition.is_accepting_signatures():
        raise PetitionClosed(petitions.petition_ref(slug))
    return redirect(url_for("petitions.show", slug=slug, lang=current_language()) + "#sign")
