"""Staff members of an organisation and their API tokens."""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from ..petitions.models import Organisation


class StaffRole(enum.StrEnum):
    ADMIN = "admin"
    STAFF = "staff"


class StaffUser(UserMixin, Model):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[StaffRole] = mapped_column(
        str_enum(StaffRole, "staff_role"), default=StaffRole.STAFF
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Named in every session cookie and checked on every request: raising it (logout,
    # a new password, deactivation) ends every session of this member at once.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="staff_user")

    def get_id(self) -> str:
        # The session names the member, their session version and a fingerprint of the
        # password hash: a new version or a new password ends every earlier session.
        return f"{self.id}:{self.session_version}:{self.session_fingerprint()}"

    def session_fingerprint(self) -> str:
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def end_sessions(self) -> None:
        """Every session of this member is refused from its next request on."""
        self.session_version = (self.session_version or 0) + 1

    @property
    def is_admin(self) -> bool:
        return self.role is StaffRole.ADMIN


class ApiToken(Model):
    """A bearer token; only its SHA-256 is stored, the secret is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, so staff can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    staff_user: Mapped[StaffUser] = relationship(back_populates="tokens")
