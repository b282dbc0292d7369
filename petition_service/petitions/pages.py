"""The petition page, rendered by its own view and again, with errors, by the sign view."""

from __future__ import annotations

from typing import Any

from flask import render_template

from ..i18n import current_language, language_was_chosen
from ..organisations.service import sponsor_names
from ..sharing.meta import share_meta
from ..signatures.form import form_context
from ..updates.service import petition_updates
from .cases import case_view
from .models import Petition
from .service import signature_count
from .texts import LANGUAGE_NAMES, languages_of, texts_for


def render_petition_page(petition: Petition, **form: Any) -> str:
    accepting = petition.is_accepting_signatures()
    context = (
        form_context(petition, embedded=False, **form) if accepting else {"petition": petition}
    )
    language = current_language()
    texts = texts_for(petition, language)
    return render_template(
        "petitions/show.html",
        **context,
        texts=texts,
        case=case_view(petition),
        sponsors=sponsor_names(petition),
        share=share_meta(petition, texts, language, chosen=language_was_chosen()),
        text_languages=[(code, LANGUAGE_NAMES.get(code, code)) for code in languages_of(petition)],
        signature_count=signature_count(petition.id),
        accepting=accepting,
        updates=petition_updates(petition.id),
    )
