"""Who is asking: every staff request is authenticated here, before any view runs.

`authenticate_staff_request` is the staff blueprint's `before_request` hook, so a new route
is protected the moment it is added. A request either carries `Authorization: Bearer pst_…`
(scripts; no session, no CSRF, since a browser never attaches that header by itself) or the
session cookie from `/staff/login` (browsers; every unsafe method must carry a CSRF token).
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized
from werkzeug.wrappers import Response

from ..errors import wants_json
from ..extensions import csrf, login_manager
from . import service
from .models import StaffUser

# Endpoints an anonymous visitor must reach (they still get CSRF protection).
ANONYMOUS_ENDPOINTS = frozenset({"staff.login"})


@login_manager.user_loader
def _load_user(session_id: str) -> StaffUser | None:
    return service.user_for_session(session_id)


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip()


def authenticate_staff_request() -> Response | None:
    """Set g.staff_user and g.organisation, or answer 401 / redirect to the login page."""
    secret = bearer_secret()
    if secret is not None:
        user = service.user_for_token(secret)
        if user is None:
            raise _unauthorized("The API token is unknown or has been revoked.")
        # Flask-WTF forms skip their own CSRF check when the request is marked valid.
        g.csrf_valid = True
        g.staff_by_token = True
    else:
        csrf.protect()
        expired = _session_expired()
        if request.endpoint in ANONYMOUS_ENDPOINTS:
            return None
        if expired and not wants_json():
            flash(_("Your session has ended. Please log in again."))
        if not current_user.is_authenticated:
            if wants_json():
                raise _unauthorized("Log in or send an API token.")
            return redirect(url_for("staff.login", next=_here()), 303)
        user = current_user._get_current_object()
    g.staff_user = user
    g.organisation = user.organisation
    return None


# Session keys of our own beside Flask-Login's: when it was opened, when last used.
_OPENED, _SEEN = "staff_opened_at", "staff_seen_at"
#: The last-seen time is rewritten (a new cookie) at most this often, not on every request.
_SEEN_PRECISION = 60


def start_session(user: StaffUser) -> None:
    """Log `user` in for this browser: a new session, timed from now."""
    session.clear()  # nothing from before the login survives it (session fixation)
    login_user(user)
    now = int(time.time())
    session[_OPENED] = session[_SEEN] = now
    session.permanent = True  # the cookie expires with the absolute lifetime


def end_session() -> None:
    """Log out here, and end every other session of this member too: the per-member session
    version is raised, so the cookie just used is refused even if someone kept a copy."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    if user is not None:
        user.end_sessions()
    logout_user()
    session.clear()


def _session_expired() -> bool:
    """End a browser session idle for STAFF_SESSION_IDLE_MINUTES or opened more than
    STAFF_SESSION_MAX_HOURS ago; True when one was ended. Renews the idle clock."""
    if "_user_id" not in session:
        return False
    config = current_app.config
    now = int(time.time())
    opened, seen = session.get(_OPENED), session.get(_SEEN)
    if (
        not isinstance(opened, int)
        or not isinstance(seen, int)
        or now - seen > config["STAFF_SESSION_IDLE_MINUTES"] * 60
        or now - opened > config["STAFF_SESSION_MAX_HOURS"] * 3600
    ):
        logout_user()
        session.clear()
        return True
    if now - seen >= _SEEN_PRECISION:
        session[_SEEN] = now
    return False


def keep_token_requests_stateless(response: Response) -> Response:
    """A token request must not start a session: rendering a page's forms would otherwise
    put a CSRF token in a fresh session cookie that the script never asked for."""
    if g.get("staff_by_token"):
        session.clear()
        session.modified = False
    return response


def _unauthorized(message: str) -> Unauthorized:
    return Unauthorized(message, www_authenticate=WWWAuthenticate("bearer", {"realm": "staff"}))


def _here() -> str:
    return request.full_path.rstrip("?") if request.method == "GET" else url_for("staff.dashboard")


def safe_next(target: str | None) -> str:
    """Where to go after logging in: only a path on this site, never another host."""
    default = url_for("staff.dashboard")
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target
