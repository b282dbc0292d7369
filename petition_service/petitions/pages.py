"""The petition page, rendered by its own view and again, with errors, by the sign view."""

from __future__ import annotations

from typing import Any

from flask import render_template

from ..signatures.form import form_context
from ..updates.service import petition_updates
from .models import Petition
from .service import signature_count


def render_petition_page(petition: Petition, **form: Any) -> str:
    accepting = petition.is_accepting_signatures()
    context = (
        form_context(petition, embedded=False, **form) if accepting else {"petition": petition}
    )
    return render_template(
        "petitions/show.html",
        **context,
        signature_count=signature_count(petition.id),
        accepting=accepting,
        updates=petition_updates(petition.id),
    )
