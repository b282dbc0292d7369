"""Staff accounts, organisations and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from ..extensions import db
from ..petitions.models import Organisation
from .models import ApiToken, StaffRole, StaffUser

_password_hasher = PasswordHasher()
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MIN_PASSWORD_LENGTH = 10


class StaffError(ValueError):
    """A staff or organisation request that cannot be carried out; the message says why."""


def hash_password(password: str) -> str:
    return _password_hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_organisation(slug: str, name: str, parent_slug: str | None = None) -> Organisation:
    if not _SLUG.match(slug):
        raise StaffError(f"invalid slug {slug!r}: use lowercase letters, digits and hyphens")
    if not name.strip():
        raise StaffError("the organisation needs a name")
    if db.session.scalar(select(Organisation).where(Organisation.slug == slug)):
        raise StaffError(f"an organisation with slug {slug!r} exists already")
    parent = None
    if parent_slug:
        parent = get_organisation(parent_slug)
    organisation = Organisation(slug=slug, name=name.strip(), parent=parent)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def get_organisation(slug: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise StaffError(f"no organisation with slug {slug!r}")
    return organisation


def create_staff_user(
    email: str, organisation_slug: str, password: str, role: StaffRole = StaffRole.STAFF
) -> StaffUser:
    email = email.strip().lower()
    if "@" not in email:
        raise StaffError(f"{email!r} is not an email address")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if db.session.scalar(select(StaffUser).where(StaffUser.email == email)):
        raise StaffError(f"a staff member with email {email!r} exists already")
    user = StaffUser(
        email=email,
        organisation=get_organisation(organisation_slug),
        password_hash=hash_password(password),
        role=role,
    )
    db.session.add(user)
    db.session.flush()
    return user


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def token_digest(secret: str) -> str:
    # Tokens are long random strings, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_api_token(email: str, name: str = "") -> IssuedToken:
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if user is None:
        raise StaffError(f"no staff member with email {email!r}")
    secret = "pst_" + secrets.token_urlsafe(32)
    token = ApiToken(
        staff_user=user, name=name, token_hash=token_digest(secret), prefix=secret[:12]
    )
    db.session.add(token)
    db.session.flush()
    return IssuedToken(token=token, secret=secret)
