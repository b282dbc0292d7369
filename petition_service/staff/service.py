"""Staff accounts, organisations and API tokens."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from ..errors import ConflictError
from ..extensions import db
from ..petitions.models import CoalitionMembership, MembershipStatus, Organisation
from ..types import utcnow
from .models import ApiToken, StaffRole, StaffUser

_password_hasher = PasswordHasher()
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MIN_PASSWORD_LENGTH = 10


class StaffError(ConflictError):
    """A staff or organisation request that cannot be carried out; the message says why
    (a 409 when it reaches errors.py)."""


def hash_password(password: str) -> str:
    return _password_hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _decoy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def authenticate(email: str, password: str) -> StaffUser | None:
    """The active staff member with this email and password, or None.

    An unknown address costs the same argon2 work as a wrong password, so response times
    do not tell an attacker which addresses have accounts.
    """
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if user is None:
        verify_password(_decoy_hash(), password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None
    if _password_hasher.check_needs_rehash(user.password_hash):
        # Parameters were raised since this hash was made; upgrade it while we have the password.
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def user_for_session(session_id: str) -> StaffUser | None:
    """The staff member a Flask-Login session id (`<id>:<version>:<fingerprint>`) names, if
    that session is still good: the member is active, has not ended their sessions since
    (logout, new password, deactivation) and has the password the session was opened with."""
    user_id, _, rest = session_id.partition(":")
    version, _, fingerprint = rest.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(StaffUser, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    if not hmac.compare_digest(user.session_fingerprint(), fingerprint):
        return None
    return user


def get_staff_user(email: str) -> StaffUser:
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if user is None:
        raise StaffError(f"no staff member with email {email!r}")
    return user


def end_all_access(user: StaffUser) -> int:
    """End every session and revoke every API token of `user`; returns the tokens revoked."""
    user.end_sessions()
    revoked = 0
    for token in user.tokens:
        if token.revoked_at is None:
            revoke_api_token(token)
            revoked += 1
    db.session.flush()
    return revoked


def set_password(user: StaffUser, password: str) -> int:
    """A new password; every session and token of the member ends (returns tokens revoked)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = hash_password(password)
    return end_all_access(user)


def deactivate(user: StaffUser) -> int:
    """The member can no longer log in; every session and token ends now."""
    user.is_active = False
    return end_all_access(user)


def reactivate(user: StaffUser) -> None:
    """The member may log in again (with their password; their old tokens stay revoked)."""
    user.is_active = True


def members_of(organisation_id: int) -> list[StaffUser]:
    return list(
        db.session.scalars(
            select(StaffUser)
            .where(StaffUser.organisation_id == organisation_id)
            .order_by(StaffUser.email)
        )
    )


def create_organisation(slug: str, name: str, parent_slug: str | None = None) -> Organisation:
    if not _SLUG.match(slug):
        raise StaffError(f"invalid slug {slug!r}: use lowercase letters, digits and hyphens")
    if not name.strip():
        raise StaffError("the organisation needs a name")
    if db.session.scalar(select(Organisation).where(Organisation.slug == slug)):
        raise StaffError(f"an organisation with slug {slug!r} exists already")
    coalition = get_organisation(parent_slug) if parent_slug else None
    organisation = Organisation(slug=slug, name=name.strip())
    db.session.add(organisation)
    db.session.flush()
    if coalition is not None:
        ensure_membership(coalition, organisation)
    return organisation


def ensure_membership(coalition: Organisation, member: Organisation) -> None:
    """``member`` is an active member of ``coalition`` (at once, where it is not yet): the
    operator, or the demo, vouches for both groups, so no administrator accepts it."""
    if db.session.get(CoalitionMembership, (coalition.id, member.id)) is None:
        db.session.add(
            CoalitionMembership(
                coalition_id=coalition.id,
                member_id=member.id,
                status=MembershipStatus.ACTIVE,
                accepted_at=utcnow(),
            )
        )
        db.session.flush()


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
    return issue_token_for(get_staff_user(email), name)


def issue_token_for(user: StaffUser, name: str = "") -> IssuedToken:
    """A new token for `user`; the secret exists only in the returned value."""
    secret = "pst_" + secrets.token_urlsafe(32)
    token = ApiToken(
        staff_user=user, name=name, token_hash=token_digest(secret), prefix=secret[:12]
    )
    db.session.add(token)
    db.session.flush()
    return IssuedToken(token=token, secret=secret)


# Writing last_used_at on every API call would turn each read into a write.
_LAST_USED_PRECISION = timedelta(minutes=5)


def user_for_token(secret: str) -> StaffUser | None:
    """The active staff member an API token belongs to; None if unknown or revoked."""
    if not secret.startswith("pst_"):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(secret)))
    if token is None or token.revoked_at is not None or not token.staff_user.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_PRECISION:
        token.last_used_at = now
        db.session.commit()
    return token.staff_user


def list_api_tokens(user: StaffUser) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.staff_user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
        )
    )


def token_of_user(user: StaffUser, token_id: int) -> ApiToken | None:
    return db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.staff_user_id == user.id)
    )


def revoke_api_token(token: ApiToken) -> None:
    """Revoke a token for good; revoking twice keeps the first time."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()


def revoke_api_token_by_prefix(prefix: str) -> ApiToken:
    """For the CLI: the token whose shown prefix (e.g. `pst_AbCdEfGh`) is given."""
    tokens = list(db.session.scalars(select(ApiToken).where(ApiToken.prefix == prefix.strip())))
    if not tokens:
        raise StaffError(f"no API token with prefix {prefix!r}")
    if len(tokens) > 1:
        raise StaffError(f"several tokens start with {prefix!r}; revoke them from the staff pages")
    revoke_api_token(tokens[0])
    return tokens[0]
