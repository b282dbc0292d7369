"""Staff pages for telling signers and delivering by email: write and send updates, follow a
mailing, send a batch to its recipients. Routes of the staff blueprint (views.py imports
this module), so they sit behind the same authentication and organisation scoping."""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from ..errors import ConflictError, wants_json
from ..extensions import db
from ..letters.delivery import (
    batch_mail_ledger,
    queue_batch_mail,
    recipient_address,
)
from ..letters.models import Batch
from ..mail import outbox
from ..petitions.models import Petition
from ..receipts.service import receipt_url
from ..updates import prefill
from ..updates import service as updates
from ..updates.models import PetitionUpdate, UpdateKind
from .forms import DeliveryForm, PlainForm, SendUpdateFields, UpdateForm
from .scoping import (
    batch_for_staff,
    current_staff_user,
    petition_for_staff,
    update_for_staff,
)
from .views import _see_other, bp


def _update_json(found: PetitionUpdate) -> dict[str, Any]:
    return {
        "id": found.id,
        "kind": found.kind.value,
        "subject": found.subject,
        **updates.mailing_progress(found).as_json(),
        "url": url_for("staff.update", update_id=found.id),
    }


def _render_update(found: PetitionUpdate, code: int = 200):
    progress = updates.mailing_progress(found)
    page = render_template(
        "staff/update.html",
        update=found,
        petition=found.petition,
        progress=progress,
        opted_in=updates.opted_in_count(found.petition_id),
        send_form=PlainForm(),
    )
    return page, code


# --- writing and sending updates -------------------------------------------------------


@bp.get("/petitions/<slug>/updates/new")
def update_new(slug: str):
    petition = petition_for_staff(slug)
    prefill_kind = request.args.get("prefill", "news")
    batch = _own_batch(request.args.get("batch", type=int), petition)
    if prefill_kind == "answer":
        subject, body = prefill.answer_update(petition, batch)
    elif prefill_kind == "delivery" and batch is not None:
        subject, body = prefill.delivery_update(batch)
    else:
        prefill_kind, subject, body = "news", "", ""
    form = UpdateForm(kind=prefill_kind, subject=subject, body=body)
    return render_template(
        "staff/update_form.html",
        form=form,
        petition=petition,
        opted_in=updates.opted_in_count(petition.id),
    )


def _own_batch(batch_id: int | None, petition: Petition) -> Batch | None:
    if batch_id is None:
        return None
    batch = batch_for_staff(batch_id)
    return batch if batch.petition_id == petition.id else None


@bp.post("/petitions/<slug>/updates")
def update_create(slug: str):
    """Publish an update on the petition page; with `send`, mail it to the opted-in signers.
    202: the mailing goes on in the background (follow it at the update's URL)."""
    petition = petition_for_staff(slug)
    form = UpdateForm()
    if not form.validate_on_submit():
        if wants_json():
            return jsonify({"errors": form.errors}), 422
        return render_template(
            "staff/update_form.html",
            form=form,
            petition=petition,
            opted_in=updates.opted_in_count(petition.id),
        ), 422
    created = updates.publish_update(
        petition,
        updates.UpdateInput(
            subject=form.subject.data,
            body=form.body.data,
            kind=UpdateKind(form.kind.data),
            send=bool(form.send.data),
        ),
        by=current_staff_user(),
    )
    db.session.commit()
    if created.mail_requested_at is not None:
        updates.nudge()
    location = url_for("staff.update", update_id=created.id)
    if wants_json():
        return jsonify(_update_json(created)), 202, {"Location": location}
    page, _code = _render_update(created)
    return page, 202, {"Location": location}


@bp.get("/updates/<int:update_id>")
def update(update_id: int):
    found = update_for_staff(update_id)
    if wants_json():
        return jsonify(_update_json(found))
    return _render_update(found)


@bp.post("/updates/<int:update_id>/send")
def update_send(update_id: int):
    """Mail an update that was only published; asking again changes nothing."""
    found = update_for_staff(update_id)
    if not PlainForm().validate_on_submit():
        raise ConflictError(_("The form has expired; reload the page and try again."))
    updates.request_mailing(found)
    db.session.commit()
    updates.nudge()
    if wants_json():
        return jsonify(_update_json(found)), 202
    flash(_("The update is being sent."))
    return _see_other("staff.update", update_id=found.id)


def announce(
    petition: Petition, form: SendUpdateFields, body: str, kind: UpdateKind, subject: str
) -> PetitionUpdate | None:
    """The update that a victory or a delivery offers to send in the same step, if asked:
    added to the caller's transaction (the caller commits, then calls `updates.nudge()`)."""
    if not form.send_update.data or not body.strip():
        return None
    return updates.publish_update(
        petition,
        updates.UpdateInput(
            subject=(form.update_subject.data or "").strip() or subject,
            body=body,
            kind=kind,
            send=True,
        ),
        by=current_staff_user(),
    )


# --- delivering a batch by email --------------------------------------------------------


@bp.post("/batches/<int:batch_id>/send")
def batch_send(batch_id: int):
    """Mail each recipient with an address their PDF and the manifest, once."""
    found = batch_for_staff(batch_id)
    if not PlainForm().validate_on_submit():
        raise ConflictError(_("The form has expired; reload the page and try again."))
    report = queue_batch_mail(found, by=current_staff_user())
    db.session.commit()
    if report.queued:
        outbox.kick()
    if wants_json():
        return jsonify(
            {
                "queued": len(report.queued),
                "already": report.already,
                "no_address": report.no_address,
                "url": url_for("staff.batch", batch_id=found.id),
            }
        ), 202
    flash(_("%(n)s mails are on their way.", n=len(report.queued)))
    return _see_other("staff.batch", batch_id=found.id)


def batch_page_context(found: Batch, form: DeliveryForm | None) -> dict[str, Any]:
    """What the batch page shows about email delivery, the receipt and the update to send."""
    if form is None:
        subject, body = prefill.delivery_update(found)
        form = DeliveryForm(update_subject=subject, update_body=body)
    ledger = batch_mail_ledger(found.id)
    mailed = {line.recipient for line in ledger}
    addresses = [(d.recipient_name, recipient_address(found, d)) for d in found.documents]
    return {
        "form": form,
        "receipt_url": receipt_url(found),
        "mail_ledger": ledger,
        "mailed": mailed,
        "addresses": addresses,
        # Someone with an address has no mail yet, or a mail failed for good.
        "can_send": any(address and name not in mailed for name, address in addresses)
        or any(line.status == "failed" for line in ledger),
        "send_form": PlainForm(),
    }


def petition_page_context(petition: Petition) -> dict[str, Any]:
    listed = updates.petition_updates(petition.id)
    return {
        "updates": [(u, updates.mailing_progress(u)) for u in listed],
        "opted_in": updates.opted_in_count(petition.id),
        "victory_subject": prefill.victory_subject(petition),
    }
