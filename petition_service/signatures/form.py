"""What the signing form template needs, for the petition page and the embed page alike (and,
through `fields_context`, for an organisation's form that signs several at once)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    return {
        "petition": petition,
        "form_action": url_for("signatures.sign", **action_args),
        **fields_context(
            scope_id=petition.id,
            challenge_url=url_for("api.get_challenge", slug=petition.slug),
            protected=[tuple(petition.protected_countries or ())],
            embedded=embedded,
            values=values,
            errors=errors,
            token_problem=token_problem,
            challenge_problem=challenge_problem,
        ),
    }


def fields_context(
    *,
    scope_id: int,
    challenge_url: str,
    protected: Sequence[Sequence[str]],
    embedded: bool,
    several: bool = False,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, list[Any]] | None = None,
    token_problem: TokenProblem | None = None,
    challenge_problem: ChallengeProblem | None = None,
) -> dict[str, Any]:
    """The signer's fields (templates/signatures/_fields.html) for a form bound to `scope_id`
    that signs petitions protecting `protected` countries (one list per petition).

    When every petition protects the same countries, the display choice starts at their
    default for the chosen country (static/display-choice.js follows the country); when they
    differ, it starts empty (each petition then applies its own default) and
    `mixed_defaults` is left for the caller to say which."""
    language = current_language()
    values = values or {}
    shown = {name: values.get(name, "") for name in ECHOED_FIELDS}
    rules = {tuple(codes) for codes in protected}
    uniform = len(rules) <= 1
    common = next(iter(rules)) if uniform and rules else ()
    country = str(shown["country"] or "").upper()
    if shown["display"] not in DISPLAY_CHOICES:
        # The default for the chosen country; none yet while a protected petition does not
        # know the country (then the server applies the default, see display.py), nor when
        # the petitions' defaults differ.
        shown["display"] = (
            default_display(country, common).value if uniform and (country or not common) else ""
        )
    return {
        # A fresh token on every render: a re-shown form restarts the time trap.
        "form_token": issue_form_token(scope_id),
        "values": shown,
        "protected_countries": common,
        "protected_note": _protected_note(common, language, several=several),
        # Shown while the country may be a protected one (none chosen yet, or one of them).
        "protected_note_shown": bool(common) and (not country or country in common),
        "errors": errors or {},
        "token_message": token_problem_message(token_problem) if token_problem else None,
        "challenge_message": (
            challenge.problem_message(challenge_problem) if challenge_problem else None
        ),
        # The page solves a proof of work in the background unless challenges are off; the
        # solver fetches its challenge from the same origin, without cookies.
        "challenge_url": challenge_url if challenge.mode() != "off" else None,
        "countries": country_choices(language),
        "embedded": embedded,
    }


def _protected_note(protected: Sequence[str], language: str, *, several: bool) -> str | None:
    if not protected:
        return None
    if several:
        return gettext(
            "Signing from %(countries)s? Then only your initials are preselected: these letters "
            "go to the government you live under. You can still choose to show your name.",
            countries=country_names(protected, language),
        )
    return gettext(
        "Signing from %(countries)s? Then only your initials are preselected: this letter goes "
        "to the government you live under. You can still choose to show your name.",
        countries=country_names(protected, language),
    )


def country_names(codes: Sequence[str], language: str) -> str:
    return ", ".join(country_name(code, language) for code in codes)
