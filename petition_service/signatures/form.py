"""What the signing form template needs, for the petition page and the embed page alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import url_for
from flask_babel import gettext

from ..i18n import current_language
from ..petitions.models import Petition
from . import challenge
from .challenge import ChallengeProblem
from .countries import country_choices, country_name
from .display import DISPLAY_CHOICES, default_display
from .tokens import TokenProblem, issue_form_token, token_problem_message

# Only these submitted values are echoed back into a re-rendered form.
ECHOED_FIELDS = ("name", "email", "country", "city", "consent", "updates", "display")


def form_context(
    petition: Petition,
    *,
    embedded: bool,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, list[Any]] | None = None,
    token_problem: TokenProblem | None = None,
    challenge_problem: ChallengeProblem | None = None,
) -> dict[str, Any]:
    language = current_language()
    action_args: dict[str, Any] = {"slug": petition.slug, "lang": language}
    if embedded:
        action_args["embed"] = "1"
    values = values or {}
    shown = {name: values.get(name, "") for name in ECHOED_FIELDS}
    protected = tuple(petition.protected_countries or ())
    country = str(shown["country"] or "").upper()
    if shown["display"] not in DISPLAY_CHOICES:
        # The default for the chosen country; none yet while a protected petition does not
        # know the country (then the server applies the default, see display.py).
        shown["display"] = (
            default_display(country, protected).value if country or not protected else ""
        )
    return {
        "petition": petition,
        "form_action": url_for("signatures.sign", **action_args),
        # A fresh token on every render: a re-shown form restarts the time trap.
        "form_token": issue_form_token(petition.id),
        "values": shown,
        "protected_countries": protected,
        "protected_note": _protected_note(protected, language),
        # Shown while the country may be a protected one (none chosen yet, or one of them).
        "protected_note_shown": bool(protected) and (not country or country in protected),
        "errors": errors or {},
        "token_message": token_problem_message(token_problem) if token_problem else None,
        "challenge_message": (
            challenge.problem_message(challenge_problem) if challenge_problem else None
        ),
        # The page solves a proof of work in the background unless challenges are off; the
        # solver fetches its challenge from the same origin, without cookies.
        "challenge_url": (
            url_for("api.get_challenge", slug=petition.slug) if challenge.mode() != "off" else None
        ),
        "countries": country_choices(language),
        "embedded": embedded,
    }


def _protected_note(protected: tuple[str, ...], language: str) -> str | None:
    if not protected:
        return None
    names = ", ".join(country_name(code, language) for code in protected)
    return gettext(
        "Signing from %(countries)s? Then only your initials are preselected: this letter goes "
        "to the government you live under. You can still choose to show your name.",
        countries=names,
    )
