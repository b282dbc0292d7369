from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, render_template, send_from_directory

from ..i18n import current_language
from ..organisations import service as organisations
from ..organisations import signing
from ..petitions import service as petitions
from ..signatures.form import form_context
from ..updates.service import petition_updates

bp = Blueprint("embed", __name__)


@bp.get("/embed/<slug>")
def form(slug: str):
    petition = petitions.get_public_petition(slug)
    g.petition = petition
    # The latest news only: the embed is a small box on someone else's page.
    news = petition_updates(petition.id, limit=1)
    if not petition.is_accepting_signatures():
        return render_template(
            "signatures/closed.html", petition=petition, embedded=True, updates=news
        )
    return render_template(
        "embed/form.html",
        **form_context(petition, embedded=True),
        signature_count=petitions.signature_count(petition.id),
        updates=news,
    )


@bp.get("/embed/<slug>/thanks")
def thanks(slug: str):
    petition = petitions.get_public_petition(slug)
    g.petition = petition
    return render_template("signatures/thanks.html", petition=petition, embedded=True)


def render_organisation_embed(slug: str, **form: Any) -> str:
    """An organisation's form that signs several of its petitions at once, for an iframe;
    framed only where every petition it signs may be (embed/framing.py)."""
    organisation = organisations.get_public_organisation(slug)
    signable = signing.signable_cards(organisation.id, current_language())
    g.frame_ancestors = signing.frame_ancestors_for(signable)
    return render_template(
        "embed/organisation.html",
        organisation=organisation,
        signable=signable,
        **(
            signing.form_context(
                organisation.slug, organisation.id, signable, embedded=True, **form
            )  # fmt: skip
            if signable
            else {}
        ),
    )


@bp.get("/o/<slug>/embed")
def organisation_form(slug: str):
    return render_organisation_embed(slug)


@bp.get("/o/<slug>/embed/thanks")
def organisation_thanks(slug: str):
    organisation = organisations.get_public_organisation(slug)
    g.frame_ancestors = signing.frame_ancestors_for(
        signing.signable_cards(organisation.id, current_language())
    )
    return render_template("organisations/thanks.html", organisation=organisation,
                           embedded=True)  # fmt: skip


@bp.get("/embed.js")
def loader():
    response = send_from_directory(current_app.static_folder, "embed.js", max_age=300)
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    # Campaign pages on any origin load this script.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
