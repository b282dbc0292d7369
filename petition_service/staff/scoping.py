"""The only way staff views reach petitions, batches and recipients: through the
organisation set on `g` by `auth.authenticate_staff_request`. Anything of another
organisation is a 404, exactly like something that does not exist."""

from __future__ import annotations

from flask import g
from sqlalchemy import select

from ..errors import NotFoundError
from ..extensions import db
from ..letters.models import Batch
from ..petitions.models import Organisation, Petition, Recipient
from .models import ApiToken, StaffUser
from .service import token_of_user


def current_organisation() -> Organisation:
    return g.organisation


def current_staff_user() -> StaffUser:
    return g.staff_user


def petition_for_staff(slug: str) -> Petition:
    petition = db.session.scalar(
        select(Petition).where(
            Petition.slug == slug, Petition.organisation_id == current_organisation().id
        )
    )
    if petition is None:
        raise NotFoundError("There is no petition at this address in your organisation.")
    return petition


def recipient_for_staff(slug: str, recipient_id: int) -> Recipient:
    petition = petition_for_staff(slug)
    recipient = db.session.scalar(
        select(Recipient).where(Recipient.id == recipient_id, Recipient.petition_id == petition.id)
    )
    if recipient is None:
        raise NotFoundError("This petition has no such recipient.")
    return recipient


def batch_for_staff(batch_id: int) -> Batch:
    batch = db.session.scalar(
        select(Batch)
        .join(Petition, Batch.petition_id == Petition.id)
        .where(Batch.id == batch_id, Petition.organisation_id == current_organisation().id)
    )
    if batch is None:
        raise NotFoundError("There is no such batch in your organisation.")
    return batch


def token_for_staff(token_id: int) -> ApiToken:
    token = token_of_user(current_staff_user(), token_id)
    if token is None:
        raise NotFoundError("You have no such API token.")
    return token


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
