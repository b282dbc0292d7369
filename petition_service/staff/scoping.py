"""The only way staff views reach petitions, batches, recipients, updates, staff members
and coalition memberships: through the organisation set on `g` by
`auth.authenticate_staff_request`. Anything of another organisation is a 404, exactly like
something that does not exist. The one widening: an organisation that co-sponsors a
petition may read that petition's counts and batches (`petition_for_reader`)."""

from __future__ import annotations

from flask import g
from sqlalchemy import ColumnElement, or_, select

from ..errors import NotFoundError
from ..extensions import db
from ..letters.models import Batch
from ..petitions.models import (
    CoalitionMembership,
    Organisation,
    Petition,
    PetitionSponsor,
    Recipient,
)
from ..updates.models import PetitionUpdate
from .models import ApiToken, StaffUser
from .service import token_of_user


def current_organisation() -> Organisation:
    return g.organisation


def current_staff_user() -> StaffUser:
    return g.staff_user


def _owned() -> ColumnElement[bool]:
    return Petition.organisation_id == current_organisation().id


def _owned_or_sponsored() -> ColumnElement[bool]:
    """Petitions the organisation owns or co-sponsors."""
    sponsored = select(PetitionSponsor.petition_id).where(
        PetitionSponsor.organisation_id == current_organisation().id
    )
    return or_(_owned(), Petition.id.in_(sponsored))


def _petition(slug: str, scope: ColumnElement[bool]) -> Petition:
    petition = db.session.scalar(select(Petition).where(Petition.slug == slug, scope))
    if petition is None:
        raise NotFoundError("There is no petition at this address in your organisation.")
    return petition


def _batch(batch_id: int, scope: ColumnElement[bool]) -> Batch:
    batch = db.session.scalar(
        select(Batch)
        .join(Petition, Batch.petition_id == Petition.id)
        .where(Batch.id == batch_id, scope)
    )
    if batch is None:
        raise NotFoundError("There is no such batch in your organisation.")
    return batch


def petition_for_staff(slug: str) -> Petition:
    return _petition(slug, _owned())


def recipient_for_staff(slug: str, recipient_id: int) -> Recipient:
    petition = petition_for_staff(slug)
    recipient = db.session.scalar(
        select(Recipient).where(Recipient.id == recipient_id, Recipient.petition_id == petition.id)
    )
    if recipient is None:
        raise NotFoundError("This petition has no such recipient.")
    return recipient


def batch_for_staff(batch_id: int) -> Batch:
    return _batch(batch_id, _owned())


def update_for_staff(update_id: int) -> PetitionUpdate:
    found = db.session.scalar(
        select(PetitionUpdate)
        .join(Petition, PetitionUpdate.petition_id == Petition.id)
        .where(PetitionUpdate.id == update_id, _owned())
    )
    if found is None:
        raise NotFoundError("There is no such update in your organisation.")
    return found


def token_for_staff(token_id: int) -> ApiToken:
    token = token_of_user(current_staff_user(), token_id)
    if token is None:
        raise NotFoundError("You have no such API token.")
    return token


# --- read access for co-sponsors, staff members, coalition memberships -----------------


def petition_for_reader(slug: str) -> Petition:
    """A petition the organisation owns or co-sponsors: co-sponsors may read its counts and
    batches (the views that use this change nothing); everything else uses
    petition_for_staff, so only the owner's staff change a petition."""
    return _petition(slug, _owned_or_sponsored())


def batch_for_reader(batch_id: int) -> Batch:
    """A batch of a petition the organisation owns or co-sponsors (to read its status)."""
    return _batch(batch_id, _owned_or_sponsored())


def owns(petition: Petition) -> bool:
    return petition.organisation_id == current_organisation().id


def member_for_staff(user_id: int) -> StaffUser:
    """A staff member of the current organisation."""
    member = db.session.scalar(
        select(StaffUser).where(
            StaffUser.id == user_id, StaffUser.organisation_id == current_organisation().id
        )
    )
    if member is None:
        raise NotFoundError("Your organisation has no such staff member.")
    return member


def membership_of_our_coalition(member_id: int) -> CoalitionMembership:
    """A group invited into, or member of, the organisation's coalition."""
    membership = db.session.get(CoalitionMembership, (current_organisation().id, member_id))
    if membership is None:
        raise NotFoundError("This organisation is not a member of yours.")
    return membership


def membership_of_ours(coalition_id: int) -> CoalitionMembership:
    """The organisation's own membership of (or invitation into) another coalition."""
    membership = db.session.get(CoalitionMembership, (coalition_id, current_organisation().id))
    if membership is None:
        raise NotFoundError("Your organisation is not a member of this coalition.")
    return membership
