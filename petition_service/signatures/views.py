from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from ..errors import html_renderer
from ..extensions import db
from ..i18n import current_language
from ..mail import outbox
from ..petitions import service as petitions
from ..petitions.pages import render_petition_page
from .clients import client_hashes
from .form import form_context
from .limits import counts_its_own_limits
from .posted import first_values, posted_pairs
from .submit import PetitionClosed, SubmissionRefused, submit_signature

bp = Blueprint("signatures", __name__)


def _thanks_url(slug: str, embedded: bool) -> str:
    endpoint = "embed.thanks" if embedded else "signatures.thanks"
    return url_for(endpoint, slug=slug, lang=current_language())


def _submitted_fields() -> dict[str, str]:
    return first_values(posted_pairs())


@bp.post("/p/<slug>/sign")
@counts_its_own_limits
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
