"""Rate limits on signing, shared by the HTML form and the JSON API (one counter each).

Per client and petition, a burst rule and a sustained rule (SIGN_LIMITS_PER_CLIENT), and a
ceiling per petition for the whole deployment (SIGN_LIMIT_PER_PETITION). The client is the
keyed hash of its address, so counters never hold an IP address either.
"""

from __future__ import annotations

from flask import Response, current_app, request

from ..extensions import limiter
from .clients import client_hash


def _client_and_petition() -> str:
    return f"{client_hash()}:{(request.view_args or {}).get('slug', '')}"


def _petition() -> str:
    return str((request.view_args or {}).get("slug", ""))


def _was_accepted(response: Response) -> bool:
    return response.status_code < 400


# Only what was accepted counts against the signer (signatures, repeats and the honeypot,
# which all answer like a success): someone who mistyped their email and sends the form
# again at once must not be told to wait. Refused submissions write nothing and cost little.
per_client = limiter.shared_limit(
    lambda: current_app.config["SIGN_LIMITS_PER_CLIENT"],
    scope="sign-client",
    key_func=_client_and_petition,
    methods=["POST"],
    deduct_when=_was_accepted,
)
per_petition = limiter.shared_limit(
    lambda: current_app.config["SIGN_LIMIT_PER_PETITION"],
    scope="sign-petition",
    key_func=_petition,
    methods=["POST"],
)


def sign_limits(view):
    """Both sign limits, for every route that accepts a signature."""
    return per_client(per_petition(view))
