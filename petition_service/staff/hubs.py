"""What administrators change about their organisation, its staff and its coalitions, and
about a petition's case, languages and co-sponsors. The views commit; nothing here does."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from ..extensions import db
from ..organisations.service import sponsor_candidates
from ..petitions.models import (
    CaseStatus,
    CoalitionMembership,
    MembershipStatus,
    Organisation,
    Petition,
    PetitionSponsor,
    PetitionText,
    Photo,
)
from ..petitions.texts import TEXT_LANGUAGES
from ..sharing.photos import ProcessedPhoto, store_photo
from ..types import utcnow
from .manage import FieldError
from .models import StaffRole, StaffUser
from .service import StaffError, hash_password

# --- the organisation ------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationInput:
    name: str
    description: str
    website: str | None
    contact_email: str | None
    is_public: bool


def update_organisation(organisation: Organisation, data: OrganisationInput) -> None:
    if not data.name.strip():
        raise FieldError("name", "The organisation needs a name.")
    website = (data.website or "").strip() or None
    if website and not website.startswith(("https://", "http://")):
        raise FieldError("website", "Give the full address, starting with https://")
    organisation.name = data.name.strip()
    organisation.description = data.description.strip()
    organisation.website = website
    organisation.contact_email = (data.contact_email or "").strip() or None
    organisation.is_public = data.is_public


# --- staff members ---------------------------------------------------------------------


def list_members(organisation: Organisation) -> list[StaffUser]:
    return list(
        db.session.scalars(
            select(StaffUser)
            .where(StaffUser.organisation_id == organisation.id)
            .order_by(StaffUser.is_active.desc(), StaffUser.email)
        )
    )


@dataclass(frozen=True)
class NewMember:
    user: StaffUser
    password: str  # shown once to the administrator who added them


def add_member(organisation: Organisation, email: str, name: str, role: StaffRole) -> NewMember:
    """A new staff member with a random first password, which the administrator hands over
    (it is stored hashed, like every password, and shown only once)."""
    email = email.strip().lower()
    if "@" not in email:
        raise FieldError("email", "Give an email address.")
    if db.session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise FieldError("email", "A staff member with this email exists already.")
    password = secrets.token_urlsafe(12)  # 16 characters, above MIN_PASSWORD_LENGTH
    user = StaffUser(
        organisation_id=organisation.id,
        email=email,
        name=name.strip(),
        password_hash=hash_password(password),
        role=role,
    )
    db.session.add(user)
    db.session.flush()
    return NewMember(user, password)


def _other_active_admins(user: StaffUser) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(StaffUser)
            .where(
                StaffUser.organisation_id == user.organisation_id,
                StaffUser.id != user.id,
                StaffUser.role == StaffRole.ADMIN,
                StaffUser.is_active.is_(True),
            )
        )
        or 0
    )


def set_role(actor: StaffUser, user: StaffUser, role: StaffRole) -> None:
    if user.id == actor.id and role is not StaffRole.ADMIN:
        raise StaffError("You cannot take away your own administrator role.")
    if (
        user.role is StaffRole.ADMIN
        and role is not StaffRole.ADMIN
        and not _other_active_admins(user)
    ):
        raise StaffError("An organisation keeps at least one active administrator.")
    user.role = role


def check_can_deactivate(actor: StaffUser, user: StaffUser) -> None:
    """Refuse to deactivate oneself, or the organisation's last active administrator."""
    if user.id == actor.id:
        raise StaffError("You cannot deactivate your own account.")
    if user.role is StaffRole.ADMIN and not _other_active_admins(user):
        raise StaffError("An organisation keeps at least one active administrator.")


# --- coalitions ------------------------------------------------------------------------


@dataclass(frozen=True)
class MembershipRow:
    organisation_id: int
    slug: str
    name: str
    status: MembershipStatus


def coalition_members(coalition: Organisation) -> list[MembershipRow]:
    """The organisations invited into, or members of, ``coalition``."""
    return _memberships(CoalitionMembership.coalition_id, coalition, CoalitionMembership.member_id)


def coalitions_joined(member: Organisation) -> list[MembershipRow]:
    """The coalitions ``member`` is invited into, or a member of."""
    return _memberships(CoalitionMembership.member_id, member, CoalitionMembership.coalition_id)


def _memberships(
    side: InstrumentedAttribute[int], organisation: Organisation, other: InstrumentedAttribute[int]
) -> list[MembershipRow]:
    """The organisation at the ``other`` end of each membership with ``organisation`` at
    ``side``, by name."""
    query = (
        select(Organisation.id, Organisation.slug, Organisation.name, CoalitionMembership.status)
        .join(CoalitionMembership, other == Organisation.id)
        .where(side == organisation.id)
        .order_by(Organisation.name)
    )
    return [MembershipRow(*row) for row in db.session.execute(query)]


def invite_member(coalition: Organisation, slug: str) -> CoalitionMembership:
    """Invite the organisation `slug` into `coalition`; its administrators must accept."""
    member = db.session.scalar(select(Organisation).where(Organisation.slug == slug.strip()))
    if member is None:
        raise FieldError("slug", "There is no organisation with this address.")
    if member.id == coalition.id:
        raise FieldError("slug", "An organisation cannot be its own member.")
    if db.session.get(CoalitionMembership, (coalition.id, member.id)) is not None:
        raise FieldError("slug", "This organisation is already a member or invited.")
    membership = CoalitionMembership(coalition_id=coalition.id, member_id=member.id)
    db.session.add(membership)
    db.session.flush()
    return membership


def accept_invitation(membership: CoalitionMembership) -> None:
    if membership.status is not MembershipStatus.ACTIVE:
        membership.status = MembershipStatus.ACTIVE
        membership.accepted_at = utcnow()


def end_membership(membership: CoalitionMembership) -> None:
    """Remove a member, withdraw an invitation, decline one or leave a coalition.

    Co-sponsorships made while the groups campaigned together stay: they were agreed then,
    and batches already name them."""
    db.session.delete(membership)
    db.session.flush()


# --- a petition's case, languages and co-sponsors --------------------------------------


@dataclass(frozen=True)
class CaseInput:
    person_name: str
    case_status: CaseStatus | None
    detained_on: date | None
    trial_on: date | None
    sentenced_on: date | None
    released_on: date | None


def update_case(petition: Petition, data: CaseInput) -> None:
    if not data.person_name.strip() and data.case_status is not None:
        raise FieldError("person_name", "Name the person whose status this is.")
    if data.released_on and data.detained_on and data.released_on < data.detained_on:
        raise FieldError("released_on", "The release cannot come before the arrest.")
    petition.person_name = data.person_name.strip()
    petition.case_status = data.case_status
    petition.detained_on = data.detained_on
    petition.trial_on = data.trial_on
    petition.sentenced_on = data.sentenced_on
    petition.released_on = data.released_on


def _forget_unused_photo(sha256: str | None) -> None:
    """A replaced or removed photo that no petition shows any more is deleted."""
    if sha256 is None:
        return
    still_used = db.session.scalar(select(Petition.id).where(Petition.photo_sha256 == sha256))
    if still_used is None:
        photo = db.session.scalar(select(Photo).where(Photo.sha256 == sha256))
        if photo is not None:
            db.session.delete(photo)


def set_photo(petition: Petition, processed: ProcessedPhoto) -> None:
    old = petition.photo_sha256
    photo = store_photo(processed, petition.organisation_id)
    petition.photo_sha256 = photo.sha256
    db.session.flush()
    if old != photo.sha256:
        _forget_unused_photo(old)


def remove_photo(petition: Petition) -> None:
    old = petition.photo_sha256
    petition.photo_sha256 = None
    db.session.flush()
    _forget_unused_photo(old)


@dataclass(frozen=True)
class TextInput:
    title: str
    summary: str
    story: str
    letter_body: str
    letter_closing: str


def translation_of(petition: Petition, language: str) -> PetitionText | None:
    return next((t for t in petition.translations if t.language == language), None)


def check_translation_language(petition: Petition, language: str) -> None:
    if language not in TEXT_LANGUAGES or language == petition.language:
        raise StaffError("Choose another of the languages the service speaks.")


def save_translation(petition: Petition, language: str, data: TextInput) -> PetitionText:
    """The petition's texts in `language` (not its own): all of them, or none."""
    check_translation_language(petition, language)
    if not data.title.strip():
        raise FieldError("title", "A translation needs its title.")
    if not data.letter_body.strip():
        raise FieldError("letter_body", "A translation needs the letter.")
    text = translation_of(petition, language)
    if text is None:
        text = PetitionText(language=language)
        petition.translations.append(text)
    text.title = data.title.strip()
    text.summary = data.summary.strip()
    text.story = data.story.strip()
    text.letter_body = data.letter_body.strip()
    text.letter_closing = data.letter_closing.strip()
    db.session.flush()
    return text


def delete_translation(petition: Petition, language: str) -> None:
    text = translation_of(petition, language)
    if text is not None:
        petition.translations.remove(text)
        db.session.flush()


def set_sponsors(petition: Petition, organisation_ids: list[int]) -> None:
    """Co-sponsors, in the order given, chosen among the owner's coalition partners."""
    allowed = {o.id for o in sponsor_candidates(petition.organisation_id)}
    kept = {s.organisation_id for s in petition.sponsorships}
    unique = list(dict.fromkeys(organisation_ids))
    # A sponsor that left the coalition since may stay, but nobody new outside it may join.
    if any(i not in allowed and i not in kept for i in unique):
        raise FieldError("sponsors", "Only organisations of your coalitions can co-sponsor.")
    existing = {s.organisation_id: s for s in petition.sponsorships}
    for sponsorship in list(petition.sponsorships):
        if sponsorship.organisation_id not in unique:
            petition.sponsorships.remove(sponsorship)
    db.session.flush()
    for position, organisation_id in enumerate(unique):
        kept_sponsor = existing.get(organisation_id)
        if kept_sponsor is None:
            petition.sponsorships.append(
                PetitionSponsor(organisation_id=organisation_id, position=position)
            )
        else:
            kept_sponsor.position = position
    db.session.flush()
