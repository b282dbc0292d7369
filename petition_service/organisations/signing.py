"""One form on an organisation's (or a coalition's) page that signs several of its open
petitions at once: "sign for all four activists".

Which petitions: the open ones its page lists, that is those the organisation runs or
co-sponsors and, for a coalition, those its active members run or co-sponsor; at most
SIGN_SEVERAL_MAX, newest first. Anything else named in `petitions` is refused on that field.

The submission then goes through the one sign flow (signatures/submit.py) with every chosen
petition: the form token and the proof of work are bound to the organisation (its scope is
minus its id, never a petition's), the limits count the submission once in each petition's
windows, each petition gets its own signature, and one mail confirms them all
(signatures/together.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..embed.framing import shared_frame_ancestors
from ..extensions import db
from ..i18n import current_language
from ..petitions.models import Organisation
from ..petitions.service import petition_ref
from ..signatures.challenge import ChallengeProblem
from ..signatures.clients import ClientHashes
from ..signatures.form import country_names, fields_context
from ..signatures.submit import Submitted, submit_signature
from ..signatures.tokens import TokenProblem
from .service import (
    SIGN_SEVERAL_MAX,
    PetitionCard,
    active_member_ids,
    get_public_organisation,
    public_petition_cards,
)

#: More slugs than any form lists: a longer list is refused without looking at it.
MAX_CHOSEN = 100


def organisation_scope(organisation_id: int) -> int:
    """What an organisation's form token and challenge are bound to: minus its id, so a
    token or a solution made for a petition (positive ids) never passes here, nor the
    other way round."""
    return -organisation_id


def signable_cards(organisation_id: int, language: str) -> list[PetitionCard]:
    """The open petitions the organisation's form signs, in its page's order."""
    owners = [organisation_id, *active_member_ids(organisation_id)]
    open_cards = [card for card in public_petition_cards(owners, language) if card.accepting]
    return open_cards[:SIGN_SEVERAL_MAX]


def frame_ancestors_for(signable: Sequence[PetitionCard]) -> str:
    """Where the organisation's form may be embedded: where every petition it signs may
    (embed/framing.py)."""
    return shared_frame_ancestors(card.allowed_origins for card in signable)


def organisation_frame_ancestors(slug: str) -> str | None:
    """The same, from the slug alone (for an answer made before the view ran); None for
    an organisation that has no public page (such an answer is never framed)."""
    organisation_id = db.session.scalar(
        select(Organisation.id).where(Organisation.slug == slug, Organisation.is_public)
    )
    if organisation_id is None:
        return None
    return frame_ancestors_for(signable_cards(organisation_id, current_language()))


def choose(raw: object, signable: Sequence[PetitionCard]) -> tuple[list[PetitionCard], list[Any]]:
    """The chosen petitions (in the page's order, each once) and what is wrong with the
    choice: nothing chosen, something that is not a list of slugs, or a slug this form does
    not sign (closed, a draft, another organisation's, unknown)."""
    if raw is None or raw == []:
        return [], [_l("Tick at least one petition.")]
    if (
        not isinstance(raw, list)
        or len(raw) > MAX_CHOSEN
        or not all(isinstance(slug, str) for slug in raw)
    ):
        return [], [_l("Send the petitions as a list of their slugs.")]
    by_slug = {card.slug: card for card in signable}
    unknown = [slug for slug in dict.fromkeys(raw) if slug not in by_slug]
    if unknown:
        return [], [
            _l(
                "These cannot be signed here: %(slugs)s. Only the open petitions this form "
                "lists can.",
                slugs=", ".join(slug[:100] for slug in unknown[:5]),
            )
        ]
    wanted = set(raw)
    return [card for card in signable if card.slug in wanted], []


def sign_several(
    slug: str,
    fields: Mapping[str, Any],
    chosen: object,
    *,
    client: ClientHashes,
    language: str,
) -> Submitted:
    """Sign each chosen petition of the organisation `slug` with one signer's fields.

    Raises NotFoundError (no such public organisation), SubmissionRefused (errors per
    field, `petitions` included), PetitionClosed (one closed meanwhile) and
    TooManyRequestsError; never commits."""
    organisation = get_public_organisation(slug)
    cards, problems = choose(chosen, signable_cards(organisation.id, language))
    return submit_signature(
        [petition_ref(card.slug) for card in cards],
        fields,
        client=client,
        language=language,
        scope_id=organisation_scope(organisation.id),
        organisation_id=organisation.id,
        problems={"petitions": problems} if problems else None,
    )


@dataclass(frozen=True)
class Choice:
    slug: str
    title: str
    language: str
    person_name: str
    checked: bool


@dataclass(frozen=True)
class DefaultGroup:
    """Petitions that show signers from `countries` by their initials unless they choose."""

    countries: str
    titles: str


def form_context(
    organisation_slug: str,
    organisation_id: int,
    signable: Sequence[PetitionCard],
    *,
    embedded: bool,
    values: Mapping[str, Any] | None = None,
    chosen: Sequence[str] | None = None,
    errors: Mapping[str, list[Any]] | None = None,
    token_problem: TokenProblem | None = None,
    challenge_problem: ChallengeProblem | None = None,
) -> dict[str, Any]:
    """What templates/organisations/_sign_several.html needs. Every petition is ticked
    until the signer sends the form; then their choice is kept."""
    language = current_language()
    action_args: dict[str, Any] = {"slug": organisation_slug, "lang": language}
    if embedded:
        action_args["embed"] = "1"
    ticked = set(chosen) if chosen is not None else {card.slug for card in signable}
    context = fields_context(
        scope_id=organisation_scope(organisation_id),
        challenge_url=url_for("api.get_organisation_challenge", slug=organisation_slug),
        protected=[card.protected_countries for card in signable],
        embedded=embedded,
        several=True,
        values=values,
        errors=errors,
        token_problem=token_problem,
        challenge_problem=challenge_problem,
    )
    rules = {card.protected_countries for card in signable}
    mixed: list[DefaultGroup] = []
    if len(rules) > 1:
        for codes in sorted(rule for rule in rules if rule):
            titles = [f"“{card.title}”" for card in signable if card.protected_countries == codes]
            mixed.append(DefaultGroup(country_names(codes, language), ", ".join(titles)))
    return {
        **context,
        "form_action": url_for("organisations.sign", **action_args),
        "choices": [
            Choice(card.slug, card.title, card.language, card.person_name, card.slug in ticked)
            for card in signable
        ],
        "mixed_defaults": mixed,
        "consent_label": _l("Add my name to the letters of the petitions I ticked."),
        "updates_label": _l("Email me news about these campaigns."),
    }
