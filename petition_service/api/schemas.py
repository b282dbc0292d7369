"""Shapes of the JSON API, for its OpenAPI document (`/api/v1/openapi.json`).

Requests are validated by signatures.validation, the same rules as the HTML form, so that a
signer gets the same answer whichever way they sign; these models describe, they do not
validate.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel


class RecipientOut(BaseModel):
    name: str
    title: str
    language: str = Field(description="The language this official's letter is printed in.")


class CaseOut(BaseModel):
    name: str
    status: (
        Literal["detained", "on_trial", "sentenced", "house_arrest", "missing", "released"] | None
    )
    photo_url: str | None
    detained_on: str | None = Field(description="YYYY-MM-DD")
    trial_on: str | None
    sentenced_on: str | None
    released_on: str | None


class PetitionSummary(BaseModel):
    slug: str
    title: str
    status: Literal["draft", "open", "closed", "victory"]


class PetitionList(RootModel[list[PetitionSummary]]):
    pass


class PetitionDetail(PetitionSummary):
    signature_count: int = Field(description="Confirmed, valid signatures; may lag by up to 10 s.")
    goal: int
    recipients: list[RecipientOut]
    form_token: str | None = Field(
        description="Send it back with a signature; good for hours, refused if used at once. "
        "Null when the petition does not accept signatures."
    )
    sponsors: list[str] = Field(description="The organisations behind it, the owner first.")
    protected_countries: list[str] = Field(
        description="ISO 3166-1 alpha-2 codes: a signer from one of these countries who does "
        "not choose `display` is shown by initials (people who live under the government the "
        "letter goes to)."
    )
    language: str = Field(description="The language of the texts given here (`?lang=`).")
    languages: list[str] = Field(description="Every language the petition is written in.")
    url: str = Field(description="The petition page.")
    person: CaseOut | None = Field(description="The person the petition is about, if any.")


class PetitionCount(BaseModel):
    signature_count: int = Field(description="Confirmed, valid signatures; may lag by up to 10 s.")
    goal: int


class SignatureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=120, description="As it should be printed on the letter.")
    email: str = Field(max_length=254)
    country: str = Field(description="ISO 3166-1 alpha-2 code", pattern="^[A-Za-z]{2}$")
    city: str = Field("", max_length=120)
    consent: bool
    updates: bool = False
    display: Literal["full", "initials", "anonymous"] | None = Field(
        None,
        description="How the signer appears in the letters: `full` (name, city and country), "
        "`initials` (initials and country) or `anonymous` (counted, nothing printed that names "
        "or places them). Absent: `initials` when `country` is one of the petition's "
        "`protected_countries`, else `full`.",
    )
    form_token: str
    website: str = Field("", description="Honeypot: must stay empty.")
    altcha: str | None = Field(
        None,
        max_length=2000,
        description="A solved proof of work from GET /petitions/{slug}/challenge, as the base64 "
        "JSON of algorithm, challenge, number, salt and signature (ALTCHA v1). Needed when a "
        "challenge is due: SIGN_CHALLENGE=always, or in surge mode while the petition or the "
        "signer's network signs unusually fast (then a signature without it gets 422 with "
        "errors.altcha). Each solution signs once.",
    )


class SeveralSignaturesIn(SignatureIn):
    petitions: list[str] = Field(
        min_length=1,
        description="Slugs of the petitions to sign: open petitions this organisation runs or "
        "co-sponsors or, for a coalition, that its active members run or co-sponsor (those "
        "listed open in `GET /organisations/{slug}`, at most 20). Each gets its own signature; "
        "one mail confirms them all.",
    )
    form_token: str = Field(description="From `GET /organisations/{slug}` (bound to it).")
    altcha: str | None = Field(
        None,
        max_length=2000,
        description="A solved proof of work from GET /organisations/{slug}/challenge, when a "
        "challenge is due (as for one petition).",
    )


class ChallengeOut(BaseModel):
    """An ALTCHA v1 challenge: find `number` (0..maxNumber) with
    SHA-256(salt + number) = challenge."""

    algorithm: Literal["SHA-256"]
    challenge: str
    maxNumber: int  # noqa: N815  (ALTCHA's own spelling)
    maxnumber: int
    salt: str
    signature: str


class Accepted(BaseModel):
    status: Literal["pending_confirmation"]


class ValidationErrors(BaseModel):
    errors: dict[str, list[str]]
    form_token: str | None = Field(None, description="A fresh token, when the old one was refused.")


class ErrorBody(BaseModel):
    code: int
    name: str
    message: str


class Error(BaseModel):
    error: ErrorBody


class OrganisationPetition(BaseModel):
    slug: str
    title: str
    status: Literal["open", "closed", "victory"]
    signature_count: int
    person: str | None
    owner: str = Field(description="The name of the organisation that runs it.")


class OrganisationDetail(BaseModel):
    slug: str
    name: str
    description: str
    website: str | None
    members: list[str] = Field(description="Slugs of the member organisations (a coalition).")
    coalitions: list[str] = Field(description="Slugs of the coalitions it is a member of.")
    petitions: list[OrganisationPetition] = Field(
        description="Its public petitions, those it co-sponsors and, for a coalition, its "
        "members': open first."
    )
    form_token: str | None = Field(
        description="For `POST /organisations/{slug}/signatures` (signing several of its open "
        "petitions at once); null when none is open."
    )
