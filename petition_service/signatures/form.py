"""What the signing form template needs, for the petition page and the embed page alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import url_for

from ..i18n import current_language
from ..petitions.models import Petition
from . import challenge
from .challenge import ChallengeProblem
from .countries import country_choices
from .tokens import TokenProblem, issue_form_token, token_problem_message

# Only these submitted values are echoed back into a re-rendered form.
ECHOED_FIELDS = ("name", "email", "country", "city", "consent", "updates")


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
    return {
        "petition": petition,
        "form_action": url_for("signatures.sign", **action_args),
        # A fresh token on every render: a re-shown form restarts the time trap.
        "form_token": issue_form_token(petition.id),
        "values": {name: values.get(name, "") for name in ECHOED_FIELDS},
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
