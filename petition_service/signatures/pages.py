"""The pages behind a signer's mail links: confirm, withdraw, and correct how they appear.

GET shows a page with a button (or the correction form) and changes nothing: mail scanners
fetch every link. Only POST confirms, withdraws or corrects. The POST forms carry no session
CSRF token: the signer may open the mail in a browser that has never seen our cookie, and the
random token in the URL (signatures/links.py) is the secret that proves the request comes from
the mail's reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from ..errors import html_renderer
from ..extensions import db
from ..i18n import current_language
from ..mail.compose import appearance
from ..mail.links import petition_url, public_url, share_links, share_links_for
from ..mail.sender import remove_mail_files
from ..petitions.service import count_confirmed_signatures
from ..petitions.texts import texts_for
from ..receipts.codes import format_receipt_code
from . import lifecycle, together
from .display import Display
from .links import LinkError, link_for, signature_for_link, signature_of, submission_for_link
from .models import LinkPurpose, Signature, SignatureStatus, Submission

bp = Blueprint("signer", __name__)


@html_renderer(bp, LinkError)
def _link_error(error: LinkError) -> str:
    return render_template("signatures/link_error.html", reason=error.reason)


def _back_to(endpoint: str, token: str) -> Response:
    # 303: the browser follows with a GET, so a reload never re-posts.
    return redirect(url_for(endpoint, token=token, lang=request.args.get("lang")), code=303)


@bp.get("/confirm/<token>")
def confirm(token: str) -> str:
    link = link_for(token, LinkPurpose.CONFIRM)
    if link.submission_id is not None:
        return _submission_page(submission_for_link(link), token)
    signature = signature_of(link)
    petition = signature.petition
    if signature.status is SignatureStatus.CONFIRMED:
        return render_template(
            "signatures/confirmed.html",
            petition=petition,
            petition_url=petition_url(petition.slug),
            signature_count=count_confirmed_signatures(petition.id),
            share_links=share_links(
                petition.slug, petition.title, gettext("I signed: %(title)s", title=petition.title)
            ),
            receipt_code=format_receipt_code(signature.receipt_code),
            appearance=appearance(signature, current_language()),
        )
    if signature.status is not SignatureStatus.PENDING:
        raise LinkError("gone")
    if lifecycle.is_expired_pending(signature):
        raise LinkError("expired")
    return render_template(
        "signatures/confirm.html",
        petition=petition,
        token=token,
        appearance=appearance(signature, current_language()),
    )


@bp.post("/confirm/<token>")
def confirm_post(token: str) -> Response:
    link = link_for(token, LinkPurpose.CONFIRM)
    try:
        if link.submission_id is not None:
            together.confirm_submission(submission_for_link(link).id)
        else:
            lifecycle.confirm_signature(signature_of(link).id)
    except lifecycle.SignatureNotFound as exc:
        raise LinkError("expired") from exc
    except lifecycle.SignatureGone as exc:
        raise LinkError("gone") from exc
    db.session.commit()
    return _back_to("signer.confirm", token)


@dataclass(frozen=True)
class _Signed:
    """One petition of a confirm page that covers several signed at once."""

    title: str
    language: str
    url: str
    status: str
    expired: bool
    appearance: str
    receipt_code: str | None
    signature_count: int


def _submission_page(submission: Submission, token: str) -> str:
    """The confirm page of several petitions signed at once: a button while any of their
    signatures waits to be confirmed, else what each now is, with its count."""
    language = current_language()
    signatures = [signature for _item, signature in together.submission_signatures(submission.id)]
    if not signatures:
        raise LinkError("expired")  # all purged unconfirmed: the signer signs again
    rows = []
    for signature in signatures:
        texts = texts_for(signature.petition, language)
        rows.append(
            _Signed(
                title=texts.title,
                language=texts.language,
                url=url_for("petitions.show", slug=signature.petition.slug, lang=language),
                status=signature.status.value,
                expired=lifecycle.is_expired_pending(signature),
                appearance=appearance(signature, language) if signature.email else "",
                receipt_code=format_receipt_code(signature.receipt_code),
                signature_count=count_confirmed_signatures(signature.petition_id),
            )
        )
    statuses = {signature.status for signature in signatures}
    organisation = submission.organisation or signatures[0].petition.organisation
    if together.awaiting_confirmation(signatures):
        template = "signatures/confirm_several.html"
    elif SignatureStatus.CONFIRMED in statuses:
        template = "signatures/confirmed_several.html"
    elif SignatureStatus.PENDING in statuses:
        raise LinkError("expired")
    else:
        raise LinkError("gone")
    # Without `?lang=`: whoever opens a shared link reads it in their own language.
    organisation_url = public_url("organisations.show", slug=organisation.slug)
    return render_template(
        template,
        token=token,
        rows=rows,
        organisation=organisation,
        organisation_url=organisation_url,
        share_links=share_links_for(
            organisation_url,
            organisation.name,
            gettext("I signed the petitions of %(name)s", name=organisation.name),
        ),
    )


@bp.get("/withdraw/<token>")
def withdraw(token: str) -> str:
    signature = signature_for_link(token, LinkPurpose.WITHDRAW)
    template = (
        "signatures/withdrawn.html"
        if signature.status is SignatureStatus.WITHDRAWN
        else "signatures/withdraw.html"
    )
    return render_template(template, petition=signature.petition, token=token)


@bp.post("/withdraw/<token>")
def withdraw_post(token: str) -> Response:
    signature = signature_for_link(token, LinkPurpose.WITHDRAW)
    try:
        lifecycle.withdraw_signature(signature.id)
    except lifecycle.SignatureNotFound as exc:
        raise LinkError("not_found") from exc
    db.session.commit()
    # After the commit: the mail files written for this signature go with its data (the
    # privacy sweep removes any a crash left behind).
    remove_mail_files([signature.id])
    return _back_to("signer.withdraw", token)


def _correction_page(
    signature: Signature,
    token: str,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, list[Any]] | None = None,
    saved: bool = False,
) -> str:
    if not lifecycle.correctable(signature):
        raise LinkError("delivered" if signature.batch_id is not None else "gone")
    shown = values or {
        "name": signature.name,
        "city": signature.city,
        "display": signature.display.value,
    }
    return render_template(
        "signatures/correct.html",
        petition=signature.petition,
        token=token,
        values=shown,
        errors=errors or {},
        choices=[choice.value for choice in Display],
        appearance=appearance(signature, current_language()),
        saved=saved,
    )


@bp.get("/correct/<token>")
def correct(token: str) -> str:
    signature = signature_for_link(token, LinkPurpose.CORRECT)
    return _correction_page(signature, token, saved=request.args.get("saved") == "1")


@bp.post("/correct/<token>")
def correct_post(token: str) -> Response:
    signature = signature_for_link(token, LinkPurpose.CORRECT)
    fields = {name: request.form.get(name) for name in ("name", "city", "display")}
    lifecycle.correct_signature(signature.id, fields)
    db.session.commit()
    return redirect(
        url_for("signer.correct", token=token, lang=request.args.get("lang"), saved="1"), 303
    )


@html_renderer(bp, lifecycle.CorrectionRefused)
def _correction_again(error: lifecycle.CorrectionRefused) -> str:
    token = request.view_args["token"] if request.view_args else ""
    signature = signature_for_link(token, LinkPurpose.CORRECT)
    return _correction_page(signature, token, values=error.fields, errors=error.errors)
