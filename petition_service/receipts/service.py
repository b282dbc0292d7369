"""What a batch's public receipt shows, and the checks it offers: is this document one of
the batch's, and is my signature in it (with a proof anyone can check offline)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from ..errors import NotFoundError
from ..extensions import db
from ..letters.models import Batch, BatchMail, BatchStatus
from ..letters.storage import StorageError, batch_storage
from ..mail.links import public_url
from ..mail.models import OutboxMessage, OutboxStatus
from ..signatures.models import Signature, SignatureStatus
from . import merkle
from .codes import new_receipt_code, normalise_receipt_code

#: The whole Merkle tree of a batch, beside its PDFs (never published: it holds nothing a
#: signer's proof does not, but proofs are given one signer at a time).
MERKLE_TREE_NAME = "merkle-tree.bin"
MANIFEST_NAME = "manifest.json"


def receipt_url(batch: Batch) -> str:
    """The batch's public receipt page; empty for a batch frozen before receipts existed."""
    if not batch.receipt_token:
        return ""
    return public_url("receipts.show", token=batch.receipt_token)


def ensure_receipt_codes(batch_id: int) -> None:
    """Give a code to any signature of the batch that has none (rows older than codes),
    so no leaf of the tree goes unsalted. Never commits."""
    missing = db.session.scalars(
        select(Signature.id).where(Signature.batch_id == batch_id, Signature.receipt_code.is_(None))
    ).all()
    for signature_id in missing:
        db.session.execute(
            update(Signature)
            .where(Signature.id == signature_id)
            .values(receipt_code=new_receipt_code())
            .execution_options(synchronize_session=False)
        )


def batch_for_receipt(token: str) -> Batch:
    batch = db.session.scalar(select(Batch).where(Batch.receipt_token == token))
    if batch is None:
        raise NotFoundError("There is no receipt at this address.")
    return batch


# --------------------------------------------------------------------------------------
# The page


@dataclass(frozen=True)
class ReceiptDocument:
    recipient: str
    title: str
    file: str
    pages: int
    sha256: str
    mailed_on: date | None


@dataclass(frozen=True)
class Receipt:
    """Everything the receipt page shows, as plain data."""

    url: str
    ready: bool
    petition_title: str
    petition_slug: str
    petition_url: str
    organisation: str
    language: str
    created_on: date
    signature_count: int
    signatures_sha256: str
    merkle_root: str
    manifest_sha256: str | None
    documents: list[ReceiptDocument]
    recipients: list[dict[str, str]]
    delivered_on: date | None
    delivery_channel: str


def _utc_date(moment: datetime | None) -> date | None:
    return moment.astimezone(UTC).date() if moment else None


def manifest_sha256(batch: Batch) -> str | None:
    """SHA-256 of `manifest.json` as stored (and as anyone downloading the batch gets it)."""
    if batch.status is not BatchStatus.DONE:
        return None
    try:
        with batch_storage().open(batch.id, MANIFEST_NAME) as handle:
            return hashlib.sha256(handle.read()).hexdigest()  # a few KB
    except StorageError:
        return None


def _mailed_on(batch_id: int) -> dict[str, date]:
    rows = db.session.execute(
        select(BatchMail.file_name, OutboxMessage.sent_at)
        .join(OutboxMessage, BatchMail.outbox_id == OutboxMessage.id)
        .where(BatchMail.batch_id == batch_id, OutboxMessage.status == OutboxStatus.SENT)
    ).all()
    return {file_name: sent_at.astimezone(UTC).date() for file_name, sent_at in rows if sent_at}


def receipt_for(batch: Batch) -> Receipt:
    snapshot = batch.snapshot or {}
    mailed = _mailed_on(batch.id)
    ready = batch.status is BatchStatus.DONE
    return Receipt(
        url=receipt_url(batch),
        ready=ready,
        petition_title=snapshot.get("title") or batch.petition.title,
        petition_slug=batch.petition.slug,
        petition_url=public_url("petitions.show", slug=batch.petition.slug),
        organisation=snapshot.get("organisation") or batch.petition.organisation.name,
        language=snapshot.get("language") or batch.petition.language,
        created_on=batch.created_at.astimezone(UTC).date(),
        signature_count=batch.signature_count,
        signatures_sha256=batch.signatures_sha256,
        merkle_root=batch.merkle_root,
        manifest_sha256=manifest_sha256(batch),
        documents=[
            ReceiptDocument(
                recipient=document.recipient_name,
                title=document.recipient_title,
                file=document.file_name,
                pages=document.pages,
                sha256=document.sha256,
                mailed_on=mailed.get(document.file_name),
            )
            for document in batch.documents
        ]
        if ready
        else [],
        recipients=[
            {"name": r.get("name", ""), "title": r.get("title", "")}
            for r in snapshot.get("recipients", [])
        ],
        delivered_on=_utc_date(batch.delivered_at),
        delivery_channel=batch.delivery_channel,
    )


# --------------------------------------------------------------------------------------
# Is this document one of the batch's?


@dataclass(frozen=True)
class DocumentCheck:
    authentic: bool
    file: str | None = None
    recipient: str | None = None
    sha256: str = ""

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"authentic": self.authentic, "sha256": self.sha256}
        if self.authentic:
            body.update(file=self.file, recipient=self.recipient)
        return body


def check_document(batch: Batch, chunks: Iterable[bytes]) -> DocumentCheck:
    """Hash the uploaded bytes as they arrive (nothing is kept) and compare them with the
    batch's documents: only the very bytes the batch made are authentic."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    sha256 = digest.hexdigest()
    if batch.status is BatchStatus.DONE:
        for document in batch.documents:
            if document.sha256 == sha256:
                return DocumentCheck(True, document.file_name, document.recipient_name, sha256)
        if manifest_sha256(batch) == sha256:
            return DocumentCheck(True, MANIFEST_NAME, None, sha256)
    return DocumentCheck(False, sha256=sha256)


def upload_limit() -> int:
    return int(current_app.config["RECEIPT_CHECK_MAX_BYTES"])


# --------------------------------------------------------------------------------------
# Is my signature in it?


@dataclass(frozen=True)
class SignerReceipt:
    """What a signer learns with their code: never anything about another signer."""

    batch: Batch | None
    confirmed: bool
    delivered_on: date | None
    delivery_channel: str
    proof: dict[str, Any] | None


def signature_for_code(text: str) -> Signature | None:
    code = normalise_receipt_code(text)
    if code is None:
        return None
    return db.session.scalar(select(Signature).where(Signature.receipt_code == code))


def signer_receipt(code: str, batch: Batch | None = None) -> SignerReceipt | None:
    """The signer's answer for `code`: on a batch's receipt page only about that batch
    (None when the code is not in it), on the general lookup about wherever it is."""
    signature = signature_for_code(code)
    # A signature withdrawn (or invalidated) after its batch was frozen is not printed, so
    # it was not delivered either: only a confirmed one gets an answer.
    if signature is None or signature.status is not SignatureStatus.CONFIRMED:
        return None
    if batch is not None and signature.batch_id != batch.id:
        return None
    found = batch or signature.batch
    if found is None:
        return SignerReceipt(None, True, None, "", None)
    return SignerReceipt(
        batch=found,
        confirmed=True,
        delivered_on=_utc_date(found.delivered_at),
        delivery_channel=found.delivery_channel,
        proof=inclusion_proof(found, signature),
    )


def inclusion_proof(batch: Batch, signature: Signature) -> dict[str, Any] | None:
    """The signer's Merkle proof (receipts/merkle.py), or None when it cannot be made:
    a batch from before receipts, or a line that changed since the freeze (a withdrawn
    signature, or names erased after the retention time)."""
    from ..letters.batches import batch_canonical_lines

    if not batch.merkle_root or not signature.receipt_code:
        return None
    lines = list(
        batch_canonical_lines(db.session.connection(), batch.id, signature_id=signature.id)
    )
    if len(lines) != 1:
        return None
    _id, code, line = lines[0]
    leaf = merkle.leaf_hash(code or "", line)
    try:
        with batch_storage().open(batch.id, MERKLE_TREE_NAME) as handle:
            index = merkle.find_leaf(handle, leaf)
            if index is None:
                return None
            size, path = merkle.stored_audit_path(handle, index)
    except (StorageError, ValueError):
        return None
    return {
        "version": merkle.PROOF_VERSION,
        "about": "petition-service inclusion proof: see the README, 'Delivering a batch'",
        "leaf": "SHA-256(0x00 || receipt_code || 0x09 || line)",
        "node": "SHA-256(0x01 || left || right)",
        "tree": "RFC 9162, section 2.1 (verify with section 2.1.3.2)",
        "receipt_url": receipt_url(batch),
        "petition": batch.petition.slug,
        "receipt_code": code,
        "line": line,
        "leaf_index": index,
        "tree_size": size,
        "audit_path": [node.hex() for node in path],
        "merkle_root": batch.merkle_root,
    }
