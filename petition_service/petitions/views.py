from __future__ import annotations

from flask import render_template

from . import bp, service


@bp.get("/p/<slug>")
def show(slug: str):
    petition = service.get_public_petition(slug)
    return render_template(
        "petitions/show.html",
        petition=petition,
        signature_count=service.signature_count(petition.id),
        accepting=petition.is_accepting_signatures(),
    )
