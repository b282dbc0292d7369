"""Delivery batches: freeze the signatures, render and sign the PDFs, describe them.

The flow is batch -> context -> render -> storage:

1. `freeze_batch` (in the caller's transaction) inserts the batch and moves every eligible
   signature into it with one UPDATE, then stores the letter as it stands (the snapshot),
   the count and a SHA-256 of the frozen list. The caller commits, then queues the render.
2. `render_batch` (a job, or the CLI) claims the batch, streams its signatures from the
   database and writes one signed PDF per recipient plus `manifest.json` to storage.
   It can run again at any time: a done batch is left alone, anything else is rendered
   again from scratch from the same frozen list and snapshot.
3. `requeue_stuck_batches` (every minute) nudges batches whose job was lost.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import shutil
import unicodedata
import zipfile
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, String, and_, delete, func, or_, select, type_coerce, update

from .. import jobs
from ..config import ConfigurationError
from ..errors import ConflictError
from ..extensions import db
from ..petitions.models import Petition
from ..receipts.codes import new_receipt_token
from ..receipts.merkle import MerkleTree, leaf_hash
from ..receipts.service import MERKLE_TREE_NAME, ensure_receipt_codes, receipt_url
from ..signatures.display import Display, printed_signer
from ..signatures.models import Signature, SignatureStatus
from ..staff.models import StaffUser
from ..text import paragraphs
from ..types import affected_rows, utcnow
from .attest import sign_detached
from .context import LetterContext, LetterRecipient, LetterText, Signer
from .models import Batch, BatchDocument, BatchMode, BatchStatus
from .storage import batch_storage

log = logging.getLogger(__name__)

#: A render without a heartbeat for this long is presumed dead and may be taken over: the
#: default of BATCH_LEASE_SECONDS (config.py), which `lease()` reads.
LEASE = timedelta(minutes=2)
#: Renders started per batch before the sweep gives up and marks it failed.
MAX_ATTEMPTS = 3
#: Rows fetched per round trip while streaming signatures (bounded memory at any size).
STREAM_CHUNK = 2000
#: Progress is written to the database at most this often (in signatures), not per row.
PROGRESS_EVERY = 2000
MANIFEST_NAME = "manifest.json"
#: The detached CMS signature of manifest.json by the batch key (see attest.py).
MANIFEST_SIGNATURE_NAME = MANIFEST_NAME + ".sig"
DEMO_SIGNER_NAME = "petition-service demo"

ProgressCallback = Callable[[int, int], None]


class BatchError(ConflictError):
    """A batch cannot be made or used as asked (a 409 when it reaches errors.py)."""


class NothingToBatch(BatchError):
    """No confirmed signature of the petition is waiting for a batch."""


# --------------------------------------------------------------------------------------
# Freezing


def canonical_signature_line(
    signature_id: int,
    name: str,
    city: str,
    country: str,
    confirmed_on: str,
    display: Display | str = Display.FULL,
) -> str:
    """One signature in the canonical list hashed into `signatures_sha256` (see README):
    the signature as printed (signatures/display.py).

    `id TAB name TAB city TAB country TAB confirmed-date LF`, the texts NFC-normalised with
    any tab, CR or LF replaced by a space so a line can never be forged from inside a name.
    A signer shown by initials has the initials as name and an empty city; an anonymous
    signer has name, city and country empty. A `full` line is what every line was before
    signers chose, so batches frozen then still verify.
    """
    if display != Display.FULL:
        printed = printed_signer(name, city, country, display)
        name, city, country = printed.name, printed.city, printed.country
    fields = [str(signature_id), _canonical_text(name), _canonical_text(city), country]
    return "\t".join([*fields, confirmed_on]) + "\n"


_LINE_BREAKS_TO_SPACE = str.maketrans("\t\r\n", "   ")


def _canonical_text(text: str) -> str:
    # str.translate + normalize (which returns at once when the text is already NFC): the
    # freeze runs this twice per signature, so it must stay cheap (no regex per row).
    return unicodedata.normalize("NFC", (text or "").translate(_LINE_BREAKS_TO_SPACE))


def _signed_on(confirmed_at: datetime | None, created_at: datetime) -> datetime:
    # A confirmed signature always has confirmed_at; rows bulk-loaded by old tools might not.
    return (confirmed_at or created_at).astimezone(UTC)


def _signed_on_date(dialect_name: str) -> ColumnElement[Any] | None:
    """The UTC date of confirmation as 'YYYY-MM-DD' text, computed by the database.

    Per row this replaces two datetimes built by the UTC column type and a conversion in
    Python, the largest per-row cost of a big freeze or render. SQLite holds the values as
    naive UTC text ('YYYY-MM-DD HH:MM:SS.ffffff', written by `UTCDateTime`), so the date is
    its first ten characters; PostgreSQL converts the `timestamptz` to UTC first. None on
    any other database: the caller then converts in Python.
    """
    table = Signature.__table__
    # The raw columns, typed as plain text so no result processor runs on them.
    signed = func.coalesce(table.c.confirmed_at, table.c.created_at)
    if dialect_name == "sqlite":
        return type_coerce(func.substr(signed, 1, 10), String())
    if dialect_name == "postgresql":
        return type_coerce(func.to_char(func.timezone("UTC", signed), "YYYY-MM-DD"), String())
    return None


def _signature_rows(
    connection: Any, batch_id: int, *, with_id: bool, signature_id: int | None = None
) -> Any:
    """The batch's signatures still confirmed, in id order, as plain tuples, streamed.

    `([id, receipt code,] name, city, country, display, 'YYYY-MM-DD')`: Core rows of the needed
    columns only, no ORM objects and no datetime conversion (see `_signed_on_date`).
    `yield_per` makes PostgreSQL use a server-side cursor, so 100,000 rows never sit in
    memory. `signature_id` narrows it to that one signature of the batch.
    """
    table = Signature.__table__
    day = _signed_on_date(connection.dialect.name)
    columns = [table.c.name, table.c.city, table.c.country, table.c.display]
    if with_id:
        columns[:0] = [table.c.id, table.c.receipt_code]
    if day is None:  # another database: convert in Python, as the UTC column type does
        query = select(*columns, table.c.confirmed_at, table.c.created_at)
    else:
        query = select(*columns, day)
    # Only what is still confirmed is printed: a signer may withdraw after the freeze.
    query = query.where(table.c.batch_id == batch_id, table.c.status == SignatureStatus.CONFIRMED)
    if signature_id is not None:
        query = query.where(table.c.id == signature_id)
    query = query.order_by(table.c.id).execution_options(yield_per=STREAM_CHUNK)
    result = connection.execute(query)
    if day is not None:
        return result
    return _converted_rows(result)


def _converted_rows(result: Any) -> Iterator[tuple]:
    with result:
        for *fields, confirmed_at, created_at in result:
            yield (*fields, _signed_on(confirmed_at, created_at).date().isoformat())


def batch_canonical_lines(
    connection: Any, batch_id: int, *, signature_id: int | None = None
) -> Iterator[tuple[int, str | None, str]]:
    """`(signature id, receipt code, canonical line)` for every signature of the batch, in
    the canonical order (ascending id), streamed.

    The one place that says what a batch carries: `signatures_sha256` is the hash of these
    lines, and the Merkle tree's leaves are these lines salted with the receipt codes
    (receipts/merkle.py). `signature_id` gives that one signature's line alone.
    """
    canonical = _canonical_text
    full = Display.FULL
    rows = _signature_rows(connection, batch_id, with_id=True, signature_id=signature_id)
    with contextlib.closing(rows):
        for row_id, code, name, city, country, display, signed_on in rows:
            if display is not full:
                line = canonical_signature_line(row_id, name, city, country, signed_on, display)
            else:
                # canonical_signature_line, inlined: this loop runs once per signature.
                line = f"{row_id}\t{canonical(name)}\t{canonical(city)}\t{country}\t{signed_on}\n"
            yield row_id, code, line


def _snapshot(petition: Petition) -> dict[str, Any]:
    """The letter and its recipients as plain data, frozen with the batch.

    `sponsors` (the owner first), `texts` (the letter in each of the petition's languages)
    and `recipient_languages` (one per recipient) are there for printing each recipient's
    letter in their language on behalf of every sponsor."""
    from ..organisations.service import sponsor_names
    from ..petitions.texts import all_texts

    return {
        "petition": petition.slug,
        "title": petition.title,
        "organisation": petition.organisation.name,
        "sponsors": sponsor_names(petition),
        "language": petition.language,
        "letter_paragraphs": paragraphs(petition.letter_body),
        "closing": petition.letter_closing,
        "texts": {
            language: {
                "title": texts.title,
                "letter_paragraphs": paragraphs(texts.letter_body),
                "closing": texts.letter_closing,
            }
            for language, texts in all_texts(petition).items()
        },
        "recipients": [
            {
                "name": recipient.name,
                "title": recipient.title,
                "salutation": recipient.salutation,
                "postal_address": recipient.postal_address,
            }
            for recipient in petition.recipients
        ],
        # Beside `recipients` rather than in them: each recipient entry is a LetterRecipient.
        "recipient_languages": [recipient.language for recipient in petition.recipients],
    }


def freeze_batch(
    petition: Petition, mode: BatchMode | str, created_by: StaffUser | None = None
) -> Batch:
    """Create a batch holding every confirmed signature of `petition` not yet in a batch.

    Runs in the caller's transaction; the caller commits, then calls `queue_batch_render`.
    Concurrent freezes cannot share a signature: on PostgreSQL the second UPDATE waits for
    the first one's row locks and then skips the rows it took; SQLite has one writer at a
    time. Raises `NothingToBatch` (and leaves no batch behind) when nothing is eligible.
    """
    mode = BatchMode(mode)
    if not petition.recipients:
        raise BatchError(f"petition {petition.slug!r} has no recipients to address a letter to")
    batch = Batch(
        petition=petition,
        mode=mode,
        status=BatchStatus.QUEUED,
        snapshot=_snapshot(petition),
        created_by=created_by,
        created_at=utcnow(),
        receipt_token=new_receipt_token(),
    )
    db.session.add(batch)
    db.session.flush()
    claimed = affected_rows(
        db.session.execute(
            update(Signature)
            .where(
                Signature.petition_id == petition.id,
                Signature.status == SignatureStatus.CONFIRMED,
                Signature.batch_id.is_(None),
            )
            .values(batch_id=batch.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not claimed:
        db.session.delete(batch)
        db.session.flush()
        raise NothingToBatch(
            f"no confirmed signatures of {petition.slug!r} are waiting for a batch"
        )

    ensure_receipt_codes(batch.id)
    _describe_signatures(batch)
    batch.progress_done = 0
    db.session.flush()
    return batch


def _describe_signatures(batch: Batch) -> None:
    """Count the batch's signatures still confirmed, hash their canonical list into
    `signatures_sha256` and build the Merkle tree of their receipts; at the freeze, and
    again before a render when some were withdrawn since.

    The root is known before anything is rendered, so the PDFs can print it; the tree is
    stored whole, so each signer's proof is a few reads, even after their name is erased.
    """
    digest = hashlib.sha256()
    leaves = bytearray()
    count = 0
    lines = []
    for _signature_id, code, line in batch_canonical_lines(db.session.connection(), batch.id):
        lines.append(line)
        leaves += leaf_hash(code or "", line)
        if len(lines) == STREAM_CHUNK:
            digest.update("".join(lines).encode("utf-8"))
            count += len(lines)
            lines.clear()
    digest.update("".join(lines).encode("utf-8"))
    count += len(lines)
    batch.signature_count = batch.progress_total = count
    batch.signatures_sha256 = digest.hexdigest()
    tree = MerkleTree(bytes(leaves))
    batch.merkle_root = tree.root.hex()
    batch_storage().put(batch.id, MERKLE_TREE_NAME, tree.to_bytes())


class EverySignatureWithdrawn(BatchError):
    """Every signature frozen into the batch was withdrawn before it was rendered."""


def _leave_out_withdrawn(batch: Batch) -> None:
    """Before a render: signatures withdrawn since the freeze are recorded on the batch and
    left out, so the count, "on behalf of N", `signatures_sha256` and the Merkle root
    describe what is printed. One indexed COUNT when nothing changed (the usual case)."""
    withdrawn = (
        db.session.scalar(
            select(func.count())
            .select_from(Signature)
            .where(Signature.batch_id == batch.id, Signature.status != SignatureStatus.CONFIRMED)
        )
        or 0
    )
    if withdrawn == batch.withdrawn_after_freeze:
        return
    log.info("batch %s: %d signatures withdrawn since the freeze are left out", batch.id,
             withdrawn)  # fmt: skip
    batch.withdrawn_after_freeze = withdrawn
    _describe_signatures(batch)
    db.session.flush()
    if batch.signature_count == 0:
        raise EverySignatureWithdrawn(
            f"every signature of batch {batch.id} was withdrawn after the freeze: nothing to print"
        )


# --------------------------------------------------------------------------------------
# Signing key


def signing_files() -> tuple[Path, Path]:
    """(key, certificate) PEM files: the configured pair, else the instance's own."""
    key = current_app.config["SIGNING_KEY_FILE"]
    cert = current_app.config["SIGNING_CERT_FILE"]
    if key and cert:
        return Path(key), Path(cert)
    if key or cert:
        raise ConfigurationError("set both SIGNING_KEY_FILE and SIGNING_CERT_FILE, or neither")
    from .signing import ensure_self_signed_pair

    return ensure_self_signed_pair(Path(current_app.instance_path) / "signing", DEMO_SIGNER_NAME)


# --------------------------------------------------------------------------------------
# Rendering


@dataclass(frozen=True)
class _Plan:
    """Everything a render needs, read before the long part so no transaction stays open."""

    batch_id: int
    mode: str
    total: int
    context: LetterContext
    recipients: list[LetterRecipient]


def _plan(batch: Batch) -> _Plan:
    """The render's plain data from the batch's snapshot. Batches frozen before sponsors,
    translations or recipient languages were recorded have none: one sponsor, one language."""
    snapshot = batch.snapshot
    language = snapshot.get("language") or "en"
    context = LetterContext(
        batch_id=str(batch.id),
        organisation=snapshot["organisation"],
        petition_title=snapshot["title"],
        # The petition's language; each recipient's letter is in theirs where the
        # petition has its texts in it (LetterContext.for_language).
        language=language,
        letter_paragraphs=tuple(snapshot["letter_paragraphs"]),
        closing=snapshot["closing"],
        issued_on=batch.created_at.astimezone(UTC).date(),
        created_at=batch.created_at,
        sponsors=tuple(snapshot.get("sponsors") or ()),
        # Both fixed at the freeze (the root again before a render that leaves out
        # withdrawn signatures), so every page can print them.
        receipt_url=receipt_url(batch),
        merkle_root=batch.merkle_root or "",
        translations={
            text_language: LetterText(
                petition_title=texts["title"],
                letter_paragraphs=tuple(texts["letter_paragraphs"]),
                closing=texts["closing"],
            )
            for text_language, texts in (snapshot.get("texts") or {}).items()
        },
    )
    languages = snapshot.get("recipient_languages") or []
    recipients = [
        LetterRecipient(**recipient, language=languages[i] if i < len(languages) else "")
        for i, recipient in enumerate(snapshot["recipients"])
    ]
    return _Plan(batch.id, batch.mode.value, batch.signature_count, context, recipients)


def _file_name(position: int, recipient_name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", recipient_name.replace("đ", "d").replace("Đ", "D"))
    ascii_name = decomposed.encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:80] or "recipient"
    return f"{position + 1:02d}-{slug}.pdf"


def _signer_stream(batch_id: int) -> Callable[[], Generator[Signer]]:
    """The batch's signers in id order, streamed on a connection of their own, each as it
    is printed (signatures/display.py) but in no language: a signer shown by initials has
    them as name and no city; an anonymous one has neither name, city nor country. The
    renderer words the country, and a withheld name, in each recipient's letter's language.

    `yield_per` makes PostgreSQL use a server-side cursor, so 100,000 rows never sit in
    memory; a separate connection lets progress commit while the stream stays open.
    """
    full = Display.FULL

    def stream() -> Generator[Signer]:
        days: dict[str, date] = {}
        with db.engine.connect() as connection:
            rows = _signature_rows(connection, batch_id, with_id=False)
            with contextlib.closing(rows):
                for number, (name, city, code, display, day) in enumerate(rows, start=1):
                    if display is not full:
                        printed = printed_signer(name, city, code, display)
                        name, city, code = printed.name, printed.city, printed.country
                    signed_on = days.get(day)
                    if signed_on is None:
                        signed_on = days[day] = date.fromisoformat(day)
                    yield Signer(number, name, city or "", code or "", signed_on, display)

    return stream


class _Progress:
    """Records progress on the batch in short transactions of their own, every few
    thousand signatures, and passes every step on to the caller's callback."""

    def __init__(self, batch_id: int, callback: ProgressCallback | None) -> None:
        self.batch_id = batch_id
        self.callback = callback
        self.recorded = 0

    def __call__(self, done: int, total: int) -> None:
        if done - self.recorded >= PROGRESS_EVERY or done == total:
            with db.engine.begin() as connection:
                connection.execute(
                    update(Batch)
                    .where(Batch.id == self.batch_id)
                    .values(progress_done=done, heartbeat_at=utcnow())
                )
            self.recorded = done
        if self.callback is not None:
            self.callback(done, total)


def lease() -> timedelta:
    """How long a rendering batch may go without a heartbeat before another worker takes it."""
    return timedelta(seconds=current_app.config["BATCH_LEASE_SECONDS"])


def _lost_its_worker(now: datetime) -> Any:
    return and_(
        Batch.status == BatchStatus.RENDERING,
        or_(Batch.heartbeat_at.is_(None), Batch.heartbeat_at < now - lease()),
    )


def _claim(batch_id: int) -> Batch | None:
    """Mark the batch as rendering by us, or return None if it is done or in live hands."""
    now = utcnow()
    claimable = or_(
        Batch.status.in_([BatchStatus.QUEUED, BatchStatus.FAILED]), _lost_its_worker(now)
    )
    claimed = affected_rows(
        db.session.execute(
            update(Batch)
            .where(Batch.id == batch_id, claimable)
            .values(
                status=BatchStatus.RENDERING,
                attempts=Batch.attempts + 1,
                started_at=now,
                heartbeat_at=now,
                finished_at=None,
                progress_done=0,
                error="",
            )
            .execution_options(synchronize_session=False)
        )
    )
    db.session.commit()
    return db.session.get(Batch, batch_id, populate_existing=True) if claimed else None


def render_batch(batch_id: int, progress: ProgressCallback | None = None) -> Batch:
    """Render, sign and store the batch's PDFs and manifest; idempotent.

    A done batch is returned as it is, as is one another worker is rendering right now
    (within its lease). Otherwise the batch is rendered from scratch from its frozen
    signatures and snapshot; `progress(done, total)` is called as signatures are laid out.
    A failure is recorded on the batch (queued again for the sweep, or failed after
    `MAX_ATTEMPTS`) and re-raised.
    """
    batch = db.session.get(Batch, batch_id)
    if batch is None:
        raise BatchError(f"no batch {batch_id}")
    if batch.status is BatchStatus.DONE:
        return batch
    claimed = _claim(batch_id)
    if claimed is None:
        return db.session.get(Batch, batch_id, populate_existing=True)  # type: ignore[return-value]
    try:
        _leave_out_withdrawn(claimed)
    except EverySignatureWithdrawn as exc:
        claimed.status, claimed.error = BatchStatus.FAILED, str(exc)
        claimed.finished_at = utcnow()
        db.session.commit()
        raise
    plan = _plan(claimed)
    db.session.commit()  # no transaction stays open during the render
    try:
        documents = _render_files(plan, progress)
        return _finish(batch_id, documents)
    except BaseException as exc:
        db.session.rollback()
        _record_failure(batch_id, exc)
        raise


def _render_files(plan: _Plan, progress: ProgressCallback | None) -> list[BatchDocument]:
    from .assemble import SigningConfig, render_batch_pdfs

    key, cert = signing_files()
    storage = batch_storage()
    names = [_file_name(i, r.name) for i, r in enumerate(plan.recipients)]
    with contextlib.ExitStack() as stack:
        # Each writer renames its file into place only if the whole render succeeds.
        outs = [stack.enter_context(storage.writer(plan.batch_id, name)) for name in names]
        # Closed here if the render stops early, so the server-side cursor and its
        # connection are released at once rather than whenever the generator is collected.
        signers = stack.enter_context(contextlib.closing(_signer_stream(plan.batch_id)()))
        results = render_batch_pdfs(
            plan.context,
            plan.recipients,
            signers,
            plan.total,
            plan.mode,
            outs,
            progress=_Progress(plan.batch_id, progress),
            signing=SigningConfig(str(key), str(cert), reason="Petition delivery"),
        )
    documents = []
    for position, (recipient, name, result) in enumerate(
        zip(plan.recipients, names, results, strict=True)
    ):
        digest = hashlib.sha256()
        with storage.open(plan.batch_id, name) as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):  # noqa: B023
                digest.update(chunk)
        documents.append(
            BatchDocument(
                position=position,
                recipient_name=recipient.name,
                recipient_title=recipient.title,
                file_name=name,
                pages=result.pages,
                size_bytes=result.bytes_written,
                sha256=digest.hexdigest(),
            )
        )
        if result.degraded_names:
            log.warning(
                "batch %s: %d signers have characters no font of the set has (printed as boxes)",
                plan.batch_id,
                len(result.degraded_names),
            )
    return documents


def _finish(batch_id: int, documents: list[BatchDocument]) -> Batch:
    batch = db.session.get(Batch, batch_id, populate_existing=True)
    assert batch is not None
    db.session.execute(delete(BatchDocument).where(BatchDocument.batch_id == batch_id))
    db.session.expire(batch, ["documents"])
    batch.documents = documents
    db.session.flush()
    manifest = (json.dumps(batch_manifest(batch), ensure_ascii=False, indent=2) + "\n").encode()
    key, cert = signing_files()
    storage = batch_storage()
    # The signature first: a manifest is never in storage without its signature beside it.
    storage.put(batch_id, MANIFEST_SIGNATURE_NAME, sign_detached(manifest, key, cert))
    storage.put(batch_id, MANIFEST_NAME, manifest)
    batch.status = BatchStatus.DONE
    batch.progress_done = batch.progress_total
    batch.finished_at = utcnow()
    batch.error = ""
    db.session.commit()
    return batch


def _record_failure(batch_id: int, exc: BaseException) -> None:
    message = f"{type(exc).__name__}: {exc}"[:2000]
    with contextlib.suppress(Exception):  # the original error matters more than this one
        batch = db.session.get(Batch, batch_id, populate_existing=True)
        if batch is not None:
            batch.error = message
            batch.status = (
                BatchStatus.FAILED if batch.attempts >= MAX_ATTEMPTS else BatchStatus.QUEUED
            )
            db.session.commit()


@jobs.task()
def queue_batch_render(batch_id: int) -> None:
    """The background job: render the batch (a no-op when it is already done)."""
    render_batch(batch_id)


def requeue_stuck_batches() -> list[int]:
    """Queue again every batch whose job was lost; fail those out of attempts.

    A queued batch that waited longer than the lease lost its nudge (an in-memory queue
    dies with its process); a rendering batch past its lease lost its worker.
    """
    now = utcnow()
    stuck = db.session.scalars(
        select(Batch).where(
            or_(
                and_(
                    Batch.status == BatchStatus.QUEUED,
                    func.coalesce(Batch.started_at, Batch.created_at) < now - lease(),
                ),
                _lost_its_worker(now),
            )
        )
    ).all()
    requeue = []
    for batch in stuck:
        if batch.attempts >= MAX_ATTEMPTS:
            batch.status = BatchStatus.FAILED
            batch.error = f"gave up after {batch.attempts} attempts" + (
                f"; last: {batch.error}" if batch.error else ""
            )
        else:
            requeue.append(batch.id)
    db.session.commit()
    for batch_id in requeue:  # after the commit: the job must see what we saw
        queue_batch_render(batch_id)
    return requeue


@jobs.periodic_task(jobs.every_minute)
def sweep_batches() -> None:
    requeue_stuck_batches()


# --------------------------------------------------------------------------------------
# Describing and exporting


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def batch_manifest(batch: Batch) -> dict[str, Any]:
    """The batch's `manifest.json` (the contract's keys, plus `mode`)."""
    return {
        "batch_id": batch.id,
        "petition": batch.snapshot.get("petition") or batch.petition.slug,
        "mode": batch.mode.value,
        "created_at": _iso_utc(batch.created_at),
        "signature_count": batch.signature_count,
        "signatures_sha256": batch.signatures_sha256,
        # How the signers counted in `signature_count` appear in the letters.
        "signers_by_display": signers_by_display(batch.id),
        "withdrawn_after_freeze": batch.withdrawn_after_freeze,
        # Where anyone can check these documents, and each signer their own signature.
        "receipt_url": receipt_url(batch),
        "merkle_root": batch.merkle_root,
        "recipients": [
            {
                "name": document.recipient_name,
                "title": document.recipient_title,
                "file": document.file_name,
                "pages": document.pages,
                "sha256": document.sha256,
            }
            for document in batch.documents
        ],
    }


def signers_by_display(batch_id: int) -> dict[str, int]:
    """How many of the batch's signatures (those still confirmed) appear in full, by
    initials, and counted only."""
    counts = dict.fromkeys((choice.value for choice in Display), 0)
    rows = db.session.execute(
        select(Signature.display, func.count())
        .where(Signature.batch_id == batch_id, Signature.status == SignatureStatus.CONFIRMED)
        .group_by(Signature.display)
    )
    for display, number in rows:
        counts[Display(display).value] = number
    return counts


def batch_file_names(batch: Batch) -> list[str]:
    """Every file of a done batch: the PDFs, the manifest and the manifest's signature (which
    batches rendered before manifests were signed do not have)."""
    names = [*(document.file_name for document in batch.documents), MANIFEST_NAME]
    if batch_storage().exists(batch.id, MANIFEST_SIGNATURE_NAME):
        names.append(MANIFEST_SIGNATURE_NAME)
    return names


def export_batch(batch: Batch, out_dir: Path) -> list[Path]:
    """Copy the batch's PDFs and manifest, byte for byte as stored, into `out_dir`."""
    if batch.status is not BatchStatus.DONE:
        raise BatchError(f"batch {batch.id} is {batch.status.value}, not done")
    storage = batch_storage()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in batch_file_names(batch):
        target = out_dir / name
        partial = out_dir / f".{name}.part"
        with storage.open(batch.id, name) as source, partial.open("wb") as sink:
            shutil.copyfileobj(source, sink, 1 << 20)
        partial.replace(target)
        written.append(target)
    return written


ZIP_NAME = "batch.zip"


def batch_zip_name(batch: Batch) -> str:
    return f"batch-{batch.id}-{batch.snapshot.get('petition') or batch.petition.slug}.zip"


def ensure_batch_zip(batch: Batch) -> Path:
    """The batch's PDFs and manifest as one zip, built once and kept beside them.

    Built once so every download is the same bytes; the entries carry the batch's creation
    time, not the time of building, and are stored uncompressed (PDFs are compressed).
    """
    if batch.status is not BatchStatus.DONE:
        raise BatchError(f"batch {batch.id} is {batch.status.value}, not done")
    storage = batch_storage()
    if not storage.exists(batch.id, ZIP_NAME):
        stamp = batch.created_at.astimezone(UTC).timetuple()[:6]
        names = batch_file_names(batch)
        with storage.writer(batch.id, ZIP_NAME) as sink, zipfile.ZipFile(sink, "w") as archive:
            for name in names:
                entry = zipfile.ZipInfo(name, date_time=stamp)
                entry.compress_type = zipfile.ZIP_STORED
                entry.external_attr = 0o644 << 16
                with storage.open(batch.id, name) as source, archive.open(entry, "w") as target:
                    shutil.copyfileobj(source, target, 1 << 20)
    return storage.path(batch.id, ZIP_NAME)
