"""Public pages: the list of organisations (`/`), an organisation's page (`/o/<slug>`) and its
form that signs several of its petitions at once (`POST /o/<slug>/sign`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for

from ..errors import html_renderer
from ..extensions import db
from ..i18n import current_language, language_was_chosen
from ..mail import outbox
from ..mail.links import public_url
from ..signatures.clients import client_hashes
from ..signatures.limits import counts_its_own_limits
from ..signatures.posted import first_values, posted_pairs
from ..signatures.submit import SubmissionRefused
from . import service, signing

bp = Blueprint("organisations", __name__)

SEARCH_MAX = 200


@bp.get("/")
def index():
    return render_template(
        "organisations/index.html",
        organisations=service.public_organisations(),
        canonical=public_url("organisations.index"),
    )


def render_organisation_page(slug: str, **form: Any) -> str:
    """The organisation's page, with its form that signs several petitions at once (shown
    again with the signer's values and errors after a refused submission)."""
    query = request.args.get("q", "").strip()[:SEARCH_MAX]
    status = request.args.get("status", "")
    status = status if status in service.PUBLIC_STATUS_VALUES else ""
    page = request.args.get("page", 1, type=int)
    data = service.organisation_page(slug, current_language(), query, status, page)
    organisation = data.organisation
    return render_template(
        "organisations/show.html",
        data=data,
        query=query,
        status=status,
        canonical=public_url(
            "organisations.show",
            slug=slug,
            **({"lang": current_language()} if language_was_chosen() else {}),
        ),
        **(
            signing.form_context(
                organisation.slug, organisation.id, data.signable, embedded=False, **form
            )  # fmt: skip
            # One open petition is signed on its own page.
            if len(data.signable) > 1
            else {}
        ),
    )


@bp.get("/o/<slug>")
def show(slug: str):
    return render_organisation_page(slug)


@bp.post("/o/<slug>/sign")
@counts_its_own_limits
def sign(slug: str):
    pairs = posted_pairs()
    fields = first_values([(name, value) for name, value in pairs if name != "petitions"])
    chosen = [value for name, value in pairs if name == "petitions"]
    signing.sign_several(slug, fields, chosen, client=client_hashes(), language=current_language())
    db.session.commit()
    outbox.kick()
    # As for one petition: a repeat and the honeypot are answered like new signatures.
    endpoint = "embed.organisation_thanks" if _embedded() else "organisations.thanks"
    return redirect(url_for(endpoint, slug=slug, lang=current_language()), 303)


def _embedded() -> bool:
    return request.args.get("embed") == "1"


@html_renderer(bp, SubmissionRefused)
def _form_again(error: SubmissionRefused) -> str:
    """The form again with every problem shown, the values and the ticked petitions kept."""
    slug = (request.view_args or {}).get("slug", "")
    form = {
        "values": error.fields,
        "chosen": [value for name, value in posted_pairs() if name == "petitions"],
        "errors": error.field_errors,
        "token_problem": error.token_problem,
        "challenge_problem": error.challenge_problem,
    }
    if _embedded():
        from ..embed.views import render_organisation_embed

        return render_organisation_embed(slug, **form)
    return render_organisation_page(slug, **form)


@bp.get("/o/<slug>/sign")
def sign_form(slug: str):
    """Someone who reloads the result of a failed POST lands here: show the form again."""
    return redirect(url_for("organisations.show", slug=slug, lang=current_language()) +
                    "#sign-several")  # fmt: skip


@bp.get("/o/<slug>/thanks")
def thanks(slug: str):
    organisation = service.get_public_organisation(slug)
    g.organisation = organisation
    return render_template("organisations/thanks.html", organisation=organisation,
                           embedded=False)  # fmt: skip
