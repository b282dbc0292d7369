from __future__ import annotations

from flask import Blueprint

from . import service
from .pages import render_petition_page

bp = Blueprint("petitions", __name__)


@bp.get("/p/<slug>")
def show(slug: str):
    return render_petition_page(service.get_public_petition(slug))
