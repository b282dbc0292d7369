"""Who is asking: every staff request is authenticated here, before any view runs.

`authenticate_staff_request` is the staff blueprint's `before_request` hook, so a new route
is protected the moment it is added. A request either carries `Authorization: Bearer pst_…`
(scripts; no session, no CSRF, since a browser never attaches that header by itself) or the
session cookie from `/staff/login` (browsers; every unsafe method must carry a CSRF token).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, g, redirect, request, session, url_for
from flask_login import current_user
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
        if request.endpoint in ANONYMOUS_ENDPOINTS:
            return None
        if not current_user.is_authenticated:
            if wants_json():
                raise _unauthorized("Log in or send an API token.")
            return redirect(url_for("staff.login", next=_here()), 303)
        user = current_user._get_current_object()
    g.staff_user = user
    g.organisation = user.organisation
    return None


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


def login_limit_per_address() -> str:
    return current_app.config.get("STAFF_LOGIN_LIMIT_PER_ADDRESS", "5 per minute")


def login_limit_per_email() -> str:
    return current_app.config.get("STAFF_LOGIN_LIMIT_PER_EMAIL", "20 per hour")


def login_email_key() -> str:
    # Guessing one account's password from many addresses is stopped here, per account.
    return "staff-login:" + request.form.get("email", "").strip().lower()
