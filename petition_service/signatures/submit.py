"""One sign flow for every way in (the HTML form, the embed, the JSON API).

`submit_signature` runs the checks in order: the petition is open, the honeypot, the form
token, the proof of work when one is due, the fields, the limits; then records the signature
and queues its mail. Given several petitions (an organisation's form), it records one
signature per petition and queues one mail for them all (together.py). The caller commits
and then kicks the outbox. A refusal is a `DomainError` (errors.py turns it into the 410,
422 or 429 the caller expects), and a `SubmissionRefused` carries every problem at once, per
field, so the form or the API can show them all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from ..errors import GoneError, InvalidInputError
from ..petitions.service import PetitionRef
from . import challenge
from .challenge import ChallengeProblem
from .clients import ClientHashes
from .limits import count_sign_attempt
from .service import SignResult, sign_petition
from .together import sign_together
from .tokens import TokenProblem, check_form_token, issue_form_token, token_problem_message
from .validation import validate_signature


class PetitionClosed(GoneError):
    """The petition does not accept signatures (closed, won, not yet open)."""

    default_message = _l("This petition no longer accepts signatures.")

    def __init__(self, petition: PetitionRef) -> None:
        super().__init__(petition.update_message or None)
        self.petition = petition


class SubmissionRefused(InvalidInputError):
    """What the signer must correct or redo; `errors` maps fields to messages, with the
    keys `form_token` and `altcha` for a refused token or proof of work."""

    def __init__(
        self,
        errors: Mapping[str, list[Any]],
        *,
        fields: Mapping[str, Any],
        petitions: Sequence[PetitionRef],
        scope_id: int,
        token_problem: TokenProblem | None = None,
        challenge_problem: ChallengeProblem | None = None,
    ) -> None:
        super().__init__(errors)
        self.fields = dict(fields)
        self.petitions = list(petitions)
        self.scope_id = scope_id
        self.token_problem = token_problem
        self.challenge_problem = challenge_problem

    @property
    def field_errors(self) -> dict[str, list[Any]]:
        """The errors that belong beside a form field (not the token or the check)."""
        return {k: v for k, v in self.errors.items() if k not in ("form_token", "altcha")}

    def json_body(self) -> dict[str, Any]:
        body = super().json_body()
        if self.token_problem is not None:
            body["form_token"] = issue_form_token(self.scope_id)
        return body


@dataclass(frozen=True)
class Submitted:
    """The outcome: one result per petition signed (none for the honeypot), and the
    submission that ties several together (None for one petition)."""

    results: list[SignResult] = field(default_factory=list)
    honeypot: bool = False
    submission_id: int | None = None


def submit_signature(
    petitions: PetitionRef | Sequence[PetitionRef],
    fields: Mapping[str, Any],
    *,
    client: ClientHashes,
    language: str,
    scope_id: int | None = None,
    organisation_id: int | None = None,
    problems: Mapping[str, list[Any]] | None = None,
) -> Submitted:
    """Check and record one signer's submission to one petition (or several at once).

    `fields` are the submitted values as posted (form or JSON). `scope_id` is what the form
    token and the challenge are bound to (the first petition's id unless given).
    `organisation_id` names whose form signed several petitions (for their mail);
    `problems` are what the caller found wrong with its own fields (which petitions were
    chosen), refused together with everything else. `petitions` may be empty only then.
    Raises PetitionClosed, SubmissionRefused or TooManyRequestsError; never commits.
    """
    targets = [petitions] if isinstance(petitions, PetitionRef) else list(petitions)
    if not targets and not (problems and scope_id is not None):
        raise ValueError("submit_signature needs at least one petition")
    for petition in targets:
        if not petition.is_accepting_signatures():
            raise PetitionClosed(petition)
    scope = scope_id if scope_id is not None else targets[0].id
    slugs = [petition.slug for petition in targets]

    if fields.get("website"):
        # The honeypot: a person never sees this field. Answered exactly like a success, and
        # counted like one too, so a bot hammering it is slowed like any client.
        if slugs:
            count_sign_attempt(slugs, client)
        return Submitted(honeypot=True)

    errors: dict[str, list[Any]] = dict(problems) if problems else {}
    token_problem = check_form_token(fields.get("form_token"), scope)
    if token_problem is not None:
        errors["form_token"] = [token_problem_message(token_problem)]
    mode = challenge.mode()
    solution = challenge.parse_solution(fields.get("altcha")) if mode != "off" else None
    challenge_problem = challenge.verify(solution, scope) if mode == "always" else None
    if challenge_problem is not None:
        errors["altcha"] = [challenge.problem_message(challenge_problem)]
    result = validate_signature(fields)
    errors.update(result.errors)

    def refused(
        found: Mapping[str, list[Any]], problem: ChallengeProblem | None
    ) -> SubmissionRefused:
        return SubmissionRefused(
            found,
            fields=fields,
            petitions=targets,
            scope_id=scope,
            token_problem=token_problem,
            challenge_problem=problem,
        )

    if errors or result.value is None:
        raise refused(errors, challenge_problem)

    counted = count_sign_attempt(
        slugs,
        client,
        observe_surge=mode == "surge",
        solution_marker=solution.marker if solution is not None else None,
        solution_ttl=challenge.lifetime(),
    )
    # In surge mode a challenge is due only now that the counts say so: verified only then.
    if mode == "always" or (mode == "surge" and counted.surging):
        challenge_problem = challenge.verify(solution, scope)
        if challenge_problem is None and counted.solution_reused:
            challenge_problem = ChallengeProblem.REUSED
        if challenge_problem is not None:
            counted.refund()
            raise refused(
                {"altcha": [challenge.problem_message(challenge_problem)]}, challenge_problem
            )

    if len(targets) == 1:
        signed = sign_petition(
            targets[0],
            result.value,
            client_hash=client.client,
            network_hash=client.network,
            language=language,
        )  # fmt: skip
        return Submitted(results=[signed])
    together = sign_together(targets, result.value, client_hash=client.client,
                             network_hash=client.network, language=language,
                             organisation_id=organisation_id)  # fmt: skip
    return Submitted(results=together.results, submission_id=together.submission_id)
