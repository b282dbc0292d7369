"""The public receipt pages: no login, no cookie; the unguessable token in the URL is the
only way to a batch's receipt. Nothing posted here is stored."""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, render_template, request

from ..errors import NotFoundError, wants_json
from ..extensions import limiter
from . import service
from .codes import format_receipt_code, normalise_receipt_code
from .upload import uploaded_chunks

bp = Blueprint("receipts", __name__)

# A code has 80 random bits; the limit only keeps a scripted guesser from being a nuisance.
CODE_LOOKUPS = "30 per minute"


def _page(batch, **context):
    return render_template("receipts/show.html", receipt=service.receipt_for(batch), **context)


@bp.get("/r/<token>")
def show(token: str):
    return _page(service.batch_for_receipt(token))


@bp.post("/r/<token>/check")
def check(token: str):
    # Set before anything reads the body: the app's 64 KiB limit is for forms, and a batch
    # PDF is far larger. The upload is hashed as it streams in and kept nowhere.
    request.max_content_length = service.upload_limit()
    batch = service.batch_for_receipt(token)
    result = service.check_document(batch, uploaded_chunks(request))
    if wants_json():
        return jsonify(result.as_json())
    return _page(batch, check=result)


def _signer_answer(token: str):
    batch = service.batch_for_receipt(token)
    code = request.form.get("code", "")
    return batch, service.signer_receipt(code, batch)


@bp.post("/r/<token>/mine")
@limiter.limit(CODE_LOOKUPS)
def mine(token: str):
    batch, answer = _signer_answer(token)
    if wants_json():
        if answer is None:
            return jsonify({"included": False})
        return jsonify(
            {
                "included": True,
                "delivered_on": answer.delivered_on.isoformat() if answer.delivered_on else None,
                "delivery_channel": answer.delivery_channel or None,
                "proof": answer.proof,
            }
        )
    page = _page(
        batch,
        mine=answer,
        mine_asked=True,
        code=format_receipt_code(normalise_receipt_code(request.form.get("code", "")) or ""),
    )
    # The page repeats the signer's code: no cache may keep it.
    return page, 200, {"Cache-Control": "no-store"}


@bp.post("/r/<token>/proof")
@limiter.limit(CODE_LOOKUPS)
def proof(token: str):
    _batch, answer = _signer_answer(token)
    if answer is None or answer.proof is None:
        raise NotFoundError("There is no proof for this code in this batch.")
    body = json.dumps(answer.proof, ensure_ascii=False, indent=2) + "\n"
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="signature-proof.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/receipt", methods=["GET", "POST"])
@limiter.limit(CODE_LOOKUPS, methods=["POST"])
def lookup():
    """A signer who has only their code finds the receipt of the batch that carried it."""
    if request.method == "GET":
        return render_template("receipts/lookup.html", answer=None, asked=False)
    answer = service.signer_receipt(request.form.get("code", ""))
    receipt = service.receipt_for(answer.batch) if answer and answer.batch else None
    return render_template("receipts/lookup.html", answer=answer, receipt=receipt, asked=True)
