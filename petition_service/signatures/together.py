"""Several petitions signed at once (an organisation's or a coalition's form): each petition
gets its own signature, deduplicated per petition exactly as when signed alone, and the
submission ties them together so that one mail, with one confirm link, confirms them all.

Only the confirmation is shared. Everything else stays per signature: its receipt code, its
withdraw and correction links (one each per petition in the mail), its updates, its batch.

Services change rows and flush; the caller owns the transaction and commits once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update

from ..extensions import db
from ..mail import outbox
from ..petitions.models import Petition
from ..petitions.service import PetitionRef
from ..types import affected_rows, utcnow
from .lifecycle import SignatureGone, SignatureNotFound, is_expired_pending, pending_ttl
from .models import Signature, SignatureStatus, Submission, SubmissionSignature
from .service import SignOutcome, SignResult, record_signature
from .validation import SignatureInput


@dataclass(frozen=True)
class SignedTogether:
    submission_id: int
    results: list[SignResult]


def sign_together(
    petitions: Sequence[PetitionRef | Petition],
    data: SignatureInput,
    *,
    client_hash: str,
    language: str,
    network_hash: str | None = None,
    organisation_id: int | None = None,
) -> SignedTogether:
    """Record one signature per petition (a repeat keeps the one there, never renamed), tie
    them in a submission and queue its one mail. The caller commits, then kicks the outbox."""
    recorded = [
        record_signature(
            petition, data, client_hash=client_hash, language=language, network_hash=network_hash
        )  # fmt: skip
        for petition in petitions
    ]
    submission_id = db.session.execute(
        insert(Submission)
        .values(organisation_id=organisation_id, created_at=utcnow())
        .returning(Submission.id)
    ).scalar_one()
    db.session.execute(
        insert(SubmissionSignature),
        [
            {
                "submission_id": submission_id,
                "signature_id": signed.id,
                "position": position,
                "repeat": outcome is SignOutcome.REPEAT,
            }
            for position, (outcome, signed) in enumerate(recorded)
        ],
    )
    outbox.queue_submission_mail(
        submission_id,
        data.email,
        [(outcome is SignOutcome.NEW, signed) for outcome, signed in recorded],
    )
    return SignedTogether(
        submission_id, [SignResult(outcome, signed.id) for outcome, signed in recorded]
    )


def submission_signatures(submission_id: int) -> list[tuple[SubmissionSignature, Signature]]:
    """The submission's signatures in the order they were listed, with their petitions."""
    rows = db.session.execute(
        select(SubmissionSignature, Signature)
        .join(Signature, Signature.id == SubmissionSignature.signature_id)
        .where(SubmissionSignature.submission_id == submission_id)
        .order_by(SubmissionSignature.position)
        .execution_options(populate_existing=True)
    ).all()
    return [(item, signature) for item, signature in rows]


def confirm_submission(submission_id: int) -> list[Signature]:
    """Confirm every pending signature of the submission that is still within its time;
    those confirmed already stay as they are, withdrawn ones stay withdrawn.

    Raises SignatureNotFound when nothing is left to confirm or confirmed (every pending one
    past its time, or all purged) and SignatureGone when every one was withdrawn or refused.
    """
    now = utcnow()
    ids = select(SubmissionSignature.signature_id).where(
        SubmissionSignature.submission_id == submission_id
    )
    # One conditional UPDATE, as for one signature: a confirmation racing a withdrawal or
    # the purge cannot resurrect a signature that has just left.
    db.session.execute(
        update(Signature)
        .where(
            Signature.id.in_(ids),
            Signature.status == SignatureStatus.PENDING,
            Signature.created_at >= now - pending_ttl(),
        )
        .values(status=SignatureStatus.CONFIRMED, confirmed_at=now)
        .execution_options(synchronize_session=False)
    )
    signatures = [signature for _item, signature in submission_signatures(submission_id)]
    statuses = {signature.status for signature in signatures}
    if SignatureStatus.CONFIRMED in statuses:
        return signatures
    if not signatures or SignatureStatus.PENDING in statuses:
        raise SignatureNotFound(submission_id)
    raise SignatureGone(submission_id)


def awaiting_confirmation(signatures: Sequence[Signature]) -> bool:
    """Whether a confirm button still has something to do."""
    return any(
        signature.status is SignatureStatus.PENDING and not is_expired_pending(signature)
        for signature in signatures
    )


def drop_empty_submissions() -> int:
    """Delete the submissions none of whose signatures is left (all purged unconfirmed), with
    their confirm links; returns how many. Never commits."""
    left = select(SubmissionSignature.submission_id).where(
        SubmissionSignature.submission_id == Submission.id
    )
    return affected_rows(
        db.session.execute(
            delete(Submission).where(~left.exists()).execution_options(synchronize_session=False)
        )
    )
