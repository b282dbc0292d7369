"""The form token: signed, bound to one petition, carrying its issue time. It needs no
cookie (browsers block third-party cookies in iframes) and doubles as a time trap."""

from __future__ import annotations

import enum
import time

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer

_SALT = "petition-form-token"


class TokenProblem(enum.Enum):
    INVALID = "invalid"
    EXPIRED = "expired"
    TOO_FAST = "too_fast"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def issue_form_token(petition_id: int) -> str:
    return _serializer().dumps(petition_id)


def check_form_token(token: object, petition_id: int) -> TokenProblem | None:
    """None when the token is good for this petition now, else what is wrong with it."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return TokenProblem.INVALID
    try:
        bound_to, issued_at = _serializer().loads(token, return_timestamp=True)
    except BadSignature:
        return TokenProblem.INVALID
    if bound_to != petition_id:
        return TokenProblem.INVALID
    age = time.time() - issued_at.timestamp()
    if age > current_app.config["FORM_TOKEN_MAX_AGE_SECONDS"]:
        return TokenProblem.EXPIRED
    if age < current_app.config["FORM_MIN_SECONDS"]:
        return TokenProblem.TOO_FAST
    return None


_MESSAGES = {
    TokenProblem.TOO_FAST: _l("That was quick! Please check your details and send the form again."),
    TokenProblem.EXPIRED: _l("This form was open for a long time. Please send it again."),
    TokenProblem.INVALID: _l("This form could not be checked. Please send it again."),
}


def token_problem_message(problem: TokenProblem) -> str:
    return str(_MESSAGES[problem])
