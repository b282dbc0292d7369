"""The pages behind the mail's links.

GET shows a page with a button and changes nothing (mail scanners fetch every link);
only POST confirms or withdraws. The POST forms carry no session CSRF token: the signer
may open the mail in a browser that has never seen our cookie, and the signed token in
the URL is the secret that proves the request comes from the mail's reader.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from ..extensions import csrf, db
from ..petitions.service import count_confirmed_signatures
from ..receipts.codes import format_receipt_code
from ..signatures import lifecycle
from ..signatures.models import SignatureStatus
from .links import petition_url, share_links
from .tokens import LinkError, signature_for_confirm_token, signature_for_withdraw_token

bp = Blueprint("mail", __name__)


# Which page and status each unusable link gets: never a 500.
_LINK_ERRORS = {
    "invalid": 400,
    "expired": 400,
    "not_found": 404,
    "gone": 410,
}


@bp.errorhandler(LinkError)
def link_error(error: LinkError) -> tuple[str, int]:
    return render_template("mail/link_error.html", reason=error.reason), _LINK_ERRORS[error.reason]


def _back_to(endpoint: str, token: str) -> Response:
    # 303: the browser follows with a GET, so a reload never re-posts.
    return redirect(url_for(endpoint, token=token, lang=request.args.get("lang")), code=303)


@bp.get("/confirm/<token>")
def confirm(token: str) -> str:
    signature = signature_for_confirm_token(token)
    petition = signature.petition
    if signature.status is SignatureStatus.CONFIRMED:
        return render_template(
            "mail/confirmed.html",
            petition=petition,
            petition_url=petition_url(petition.slug),
            signature_count=count_confirmed_signatures(petition.id),
            share_links=share_links(
                petition.slug, petition.title, gettext("I signed: %(title)s", title=petition.title)
            ),
            receipt_code=format_receipt_code(signature.receipt_code),
        )
    if signature.status is not SignatureStatus.PENDING:
        raise LinkError("gone")
    if lifecycle.is_expired_pending(signature):
        raise LinkError("expired")
    return render_template("mail/confirm.html", petition=petition, token=token)


@bp.post("/confirm/<token>")
@csrf.exempt
def confirm_post(token: str) -> Response:
    signature = signature_for_confirm_token(token)
    try:
        lifecycle.confirm_signature(signature.id)
    except lifecycle.SignatureNotFound as exc:
        raise LinkError("expired") from exc
    except lifecycle.SignatureGone as exc:
        raise LinkError("gone") from exc
    db.session.commit()
    return _back_to("mail.confirm", token)


@bp.get("/withdraw/<token>")
def withdraw(token: str) -> str:
    signature = signature_for_withdraw_token(token)
    template = (
        "mail/withdrawn.html"
        if signature.status is SignatureStatus.WITHDRAWN
        else "mail/withdraw.html"
    )
    return render_template(template, petition=signature.petition, token=token)


@bp.post("/withdraw/<token>")
@csrf.exempt
def withdraw_post(token: str) -> Response:
    signature = signature_for_withdraw_token(token)
    try:
        lifecycle.withdraw_signature(signature.id)
    except lifecycle.SignatureNotFound as exc:
        raise LinkError("not_found") from exc
    db.session.commit()
    return _back_to("mail.withdraw", token)
