from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, send_from_directory

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


@bp.get("/embed.js")
def loader():
    response = send_from_directory(current_app.static_folder, "embed.js", max_age=300)
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    # Campaign pages on any origin load this script.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
