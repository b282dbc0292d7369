"""The public end of updates: the one-click unsubscribe link of every update mail.

`GET` shows a page with a button (a mail scanner fetching the link changes nothing); `POST`
unsubscribes, whether it comes from that button or from a mail client acting on RFC 8058's
`List-Unsubscribe-Post: List-Unsubscribe=One-Click` (no cookie, no CSRF token: the random
token in the URL is the proof)."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..errors import NotFoundError
from ..extensions import db
from . import service

bp = Blueprint("updates", __name__)


def _signature(token: str):
    signature = service.signature_for_unsubscribe(token)
    if signature is None:
        raise NotFoundError("This unsubscribe link is not known (any more).")
    return signature


@bp.get("/u/<token>")
def unsubscribe(token: str):
    signature = _signature(token)
    return render_template(
        "updates/unsubscribe.html",
        petition=signature.petition,
        token=token,
        done=not signature.wants_updates,
    )


@bp.post("/u/<token>")
def unsubscribe_post(token: str):
    signature = _signature(token)
    service.unsubscribe(signature)
    db.session.commit()
    return render_template(
        "updates/unsubscribe.html", petition=signature.petition, token=token, done=True
    )
