"""Public pages: the list of organisations (`/`) and an organisation's page (`/o/<slug>`)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ..i18n import current_language, language_was_chosen
from ..mail.links import public_url
from . import service

bp = Blueprint("organisations", __name__)

SEARCH_MAX = 200


@bp.get("/")
def index():
    return render_template(
        "organisations/index.html",
        organisations=service.public_organisations(),
        canonical=public_url("organisations.index"),
    )


@bp.get("/o/<slug>")
def show(slug: str):
    query = request.args.get("q", "").strip()[:SEARCH_MAX]
    status = request.args.get("status", "")
    status = status if status in service.PUBLIC_STATUS_VALUES else ""
    page = request.args.get("page", 1, type=int)
    data = service.organisation_page(slug, current_language(), query, status, page)
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
    )
