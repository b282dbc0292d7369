"""The batch service on SQLite and PostgreSQL: freeze, render, re-render, sweep."""

from __future__ import annotations

import hashlib
import re
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from petition_service.extensions import db
from petition_service.letters.batches import (
    LEASE,
    MAX_ATTEMPTS,
    NothingToBatch,
    _signer_stream,
    batch_manifest,
    export_batch,
    freeze_batch,
    queue_batch_render,
    render_batch,
    requeue_stuck_batches,
    signing_files,
)
from petition_service.letters.render import FontSetFetcher
from petition_service.letters.verify import verify_batch_folder
from petition_service.models import Batch, BatchStatus, Petition, Signature, SignatureStatus
from petition_service.signatures.countries import country_name
from petition_service.types import utcnow
from tests.factories import make_batch, make_petition, make_signature
from tests.letters.helpers import (
    HOSTILE_NAMES,
    SPECIAL_NAMES,
    pdffonts_rows,
    pdftotext_pages,
    pypdf_pages,
)

RECIPIENTS = [
    {
        "name": "Nguyễn Phú Trọng",
        "title": "State President",
        "salutation": "Your Excellency,",
        "postal_address": "Office of the State President\nHà Nội\nViệt Nam",
    },
    {
        "name": "Nguyễn Đình Ba",
        "title": "Prison Director",
        "salutation": "Dear Director,",
        "postal_address": "Office of the Prison Director\nViệt Nam",
    },
]
CONFIRMED_ON = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
PLACES = [("Huế", "VN"), ("Kraków", "PL"), ("Reykjavík", "IS")]


def _petition(**fields) -> Petition:
    return make_petition(
        recipients=RECIPIENTS,
        title="Free Trần Thị Nga",
        letter_body="Please release Trần Thị Nga.\n\nShe is a prisoner of conscience.",
        **fields,
    )


def _sign(petition: Petition, names: list[str], **fields) -> list[Signature]:
    signatures = []
    for i, name in enumerate(names):
        city, country = PLACES[i % len(PLACES)]
        fields_i = {"city": city, "country": country, "confirmed_at": CONFIRMED_ON, **fields}
        signatures.append(make_signature(petition, name=name, **fields_i))
    return signatures


def _frozen(petition: Petition, mode: str = "letters") -> int:
    batch = freeze_batch(petition, mode)
    db.session.commit()
    return batch.id


def _batch(batch_id: int) -> Batch:
    return db.session.get(Batch, batch_id, populate_existing=True)


def _batch_ids(batch_id: int) -> set[int]:
    return set(db.session.scalars(select(Signature.id).where(Signature.batch_id == batch_id)))


def test_freeze_takes_each_confirmed_signature_not_yet_in_a_batch(app_context):
    petition = _petition()
    confirmed = _sign(petition, SPECIAL_NAMES[:3])
    for status in (SignatureStatus.PENDING, SignatureStatus.WITHDRAWN, SignatureStatus.INVALID):
        make_signature(petition, status=status)
    make_signature(make_petition())  # another petition's signer
    db.session.commit()

    batch = _batch(_frozen(petition, "annex"))

    assert _batch_ids(batch.id) == {s.id for s in confirmed}
    assert (batch.status, batch.signature_count, batch.progress_total) == (
        BatchStatus.QUEUED,
        3,
        3,
    )
    # The canonical list, written out by hand as the README documents it.
    canonical = "".join(
        f"{s.id}\t{s.name}\t{s.city}\t{s.country}\t2024-03-01\n"
        for s in sorted(confirmed, key=lambda s: s.id)
    )
    assert batch.signatures_sha256 == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert batch.snapshot["letter_paragraphs"] == [
        "Please release Trần Thị Nga.",
        "She is a prisoner of conscience.",
    ]
    assert [r["name"] for r in batch.snapshot["recipients"]] == [
        "Nguyễn Phú Trọng",
        "Nguyễn Đình Ba",
    ]
    assert batch.snapshot["organisation"] == petition.organisation.name

    with pytest.raises(NothingToBatch):
        freeze_batch(petition, "letters")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Batch)) == 1


def test_freeze_hash_and_signer_dates_come_from_the_utc_date_of_confirmation(app_context):
    """The freeze and the render read the date as the database computes it (no datetime
    per row): it must be the UTC date, around midnight and from any offset, falling back
    to the creation time, and the hash must follow the README's rules for odd names."""
    petition = _petition()
    plus_two = timezone(timedelta(hours=2))
    minus_five = timezone(timedelta(hours=-5))
    cases = [
        # (name, city, confirmed_at, created_at, canonical "name\tcity", UTC date)
        ("Trần\tThị\r\nNga", "Huế", datetime(2024, 3, 1, 23, 59, 59, 999999, UTC), None,
         "Trần Thị  Nga\tHuế", "2024-03-01"),
        ("Nguye\u0302\u0303n Thị Hoa", "Kra\u0301ko\u0301w",
         datetime(2024, 3, 2, 0, 30, tzinfo=plus_two), None, "Nguyễn Thị Hoa\tKráków",
         "2024-03-01"),
        ("Zoë", "", datetime(2024, 2, 29, 20, 0, tzinfo=minus_five), None, "Zoë\t",
         "2024-03-01"),
        ("Łukasz", "Gdańsk", datetime(2024, 12, 31, 0, 0, tzinfo=UTC), None, "Łukasz\tGdańsk",
         "2024-12-31"),
        ("Bulk loaded", "Huế", None, datetime(2023, 1, 1, 0, 0, 1, tzinfo=plus_two),
         "Bulk loaded\tHuế", "2022-12-31"),
    ]  # fmt: skip
    signed = [
        make_signature(
            petition,
            name=name,
            city=city,
            confirmed_at=confirmed_at,
            **({"created_at": created_at} if created_at else {}),
        )
        for name, city, confirmed_at, created_at, _canonical, _day in cases
    ]
    db.session.commit()

    batch = _batch(_frozen(petition, "annex"))

    canonical = "".join(
        f"{s.id}\t{name_city}\t{s.country}\t{day}\n"
        for s, (*_, name_city, day) in zip(signed, cases, strict=True)
    )
    assert batch.signatures_sha256 == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    signers = list(_signer_stream(batch.id)())
    assert [(s.number, s.name, s.signed_on.isoformat()) for s in signers] == [
        (i, s.name, day) for i, (s, (*_, day)) in enumerate(zip(signed, cases, strict=True), 1)
    ]
    # The code: each letter words it in its language.
    assert signers[0].country_code == "VN"


def test_a_second_batch_holds_exactly_the_new_signers(app_context):
    petition = _petition()
    first = _sign(petition, ["Trần Thị Nga", "Łukasz Wójcik"])
    db.session.commit()
    first_batch = _frozen(petition)
    second = _sign(petition, ["Zoë Ólafsdóttir", "Nguyễn Thị Hoa"])
    db.session.commit()
    second_batch = _frozen(petition)

    assert _batch_ids(first_batch) == {s.id for s in first}
    assert _batch_ids(second_batch) == {s.id for s in second}
    assert _batch(second_batch).signature_count == 2


def test_two_freezes_at_once_share_no_signature_while_signing_goes_on(app):
    with app.app_context():
        petition = _petition()
        _sign(petition, [f"Early Signer {i}" for i in range(120)])
        db.session.commit()
        petition_id = petition.id
        db.session.remove()

    barrier = threading.Barrier(3)
    batch_ids: list[int | None] = []
    errors: list[BaseException] = []

    def freeze() -> None:
        with app.app_context():
            try:
                petition = db.session.get(Petition, petition_id)
                barrier.wait(timeout=10)
                batch_ids.append(_frozen(petition))
            except NothingToBatch:
                db.session.rollback()
                batch_ids.append(None)
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    def keep_signing() -> None:
        with app.app_context():
            try:
                petition = db.session.get(Petition, petition_id)
                barrier.wait(timeout=10)
                for i in range(15):
                    _sign(petition, [f"Late Signer {i}"])
                    db.session.commit()
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=f) for f in (freeze, freeze, keep_signing)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(batch_ids) == 2 and any(batch_ids)

    with app.app_context():
        made = [batch_id for batch_id in batch_ids if batch_id]
        # Each batch's count and hash describe exactly the rows that carry its id.
        for batch_id in made:
            assert _batch(batch_id).signature_count == len(_batch_ids(batch_id))
        # The early signers all went into one batch or the other, none into both
        # (batch_id is one column) and none left behind.
        early = set(db.session.scalars(select(Signature.id).where(Signature.name.like("Early%"))))
        batched = set().union(*(_batch_ids(b) for b in made))
        assert early <= batched
        # Whatever signed meanwhile and was missed goes into the next batch, once.
        rest = db.session.scalars(select(Signature).where(Signature.batch_id.is_(None))).all()
        if rest:
            last = _frozen(db.session.get(Petition, petition_id))
            assert _batch_ids(last) == {s.id for s in rest}
        assert (
            db.session.scalar(
                select(func.count()).select_from(Signature).where(Signature.batch_id.is_(None))
            )
            == 0
        )


@pytest.fixture
def fetched(monkeypatch) -> list[str]:
    """Every URL WeasyPrint asks for while these tests run."""
    urls: list[str] = []
    real_fetch = FontSetFetcher.fetch

    def fetch(self, url, headers=None):
        urls.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(FontSetFetcher, "fetch", fetch)
    return urls


def test_letters_mode_one_signed_page_per_signer_names_exact(
    app_context, storage, fetched, tmp_path
):
    petition = _petition()
    names = SPECIAL_NAMES + HOSTILE_NAMES[:2]
    signatures = _sign(petition, names)
    make_signature(petition, name="Pending Person", status=SignatureStatus.PENDING)
    make_signature(petition, name="Withdrawn Person", status=SignatureStatus.WITHDRAWN)
    make_signature(petition, name="Invalid Person", status=SignatureStatus.INVALID)
    db.session.commit()
    batch_id = _frozen(petition, "letters")

    queue_batch_render(batch_id)  # the job (immediate in tests)

    batch = _batch(batch_id)
    assert batch.status is BatchStatus.DONE and batch.error == ""
    assert (batch.progress_done, batch.progress_total, batch.attempts) == (
        len(names),
        len(names),
        1,
    )
    assert [d.pages for d in batch.documents] == [len(names), len(names)]
    out = tmp_path / "export"
    export_batch(batch, out)
    assert verify_batch_folder(out, signing_files()[1]) == []

    for document, recipient in zip(batch.documents, RECIPIENTS, strict=True):
        path = out / document.file_name
        pages = pdftotext_pages(path)
        assert len(pages) == len(names)
        for number, (text, signature) in enumerate(zip(pages, signatures, strict=True), 1):
            lines = [line.strip() for line in text.splitlines()]
            assert signature.name in lines  # the whole line, exactly as typed
            assert recipient["name"] in text and recipient["salutation"] in text
            assert "Please release Trần Thị Nga." in text
            assert f"Page {number} of {len(names)}" in text
            assert re.search(rf"\bBatch {batch_id}\b", text)
            assert petition.organisation.name in text
            for absent in ("Pending Person", "Withdrawn Person", "Invalid Person"):
                assert absent not in text
        assert [n for n in names if n in "\n".join(pypdf_pages(path))] == names
        for row in pdffonts_rows(path):
            assert re.fullmatch(r"[A-Z]{6}\+\S+", row[0]), row  # subset
            assert row[-5:-2] == ["yes", "yes", "yes"], row  # embedded, subset, ToUnicode
    # Markup and URLs in names were printed, never fetched.
    assert fetched and all(url.startswith("letters-font:") for url in fetched)


def test_annex_mode_in_vietnamese_lists_every_signer(app_context, storage):
    petition = _petition(language="vi")
    names = SPECIAL_NAMES + [f"Người ký {i}" for i in range(60)]
    signatures = _sign(petition, names)
    db.session.commit()
    batch_id = _frozen(petition, "annex")

    batch = render_batch(batch_id)

    assert batch.status is BatchStatus.DONE
    document = batch.documents[0]
    path = storage.path(batch_id, document.file_name)
    pages = pdftotext_pages(path)
    assert document.pages == len(pages) == 1 + 2  # the letter, then 50 rows a page
    assert "Thay mặt 67 người ký" in pages[0]
    assert f"Trang 1 / {len(pages)}" in pages[0] and f"Trang 3 / {len(pages)}" in pages[2]
    table = "\n".join(pages[1:])
    for signature in signatures:
        assert signature.name in table
    assert country_name("VN", "vi") in table and country_name("PL", "vi") in table
    assert "01/03/2024" in table  # the confirmation date, in the petition's language


def test_a_render_interrupted_midway_can_run_again_and_completes(app_context, storage):
    petition = _petition()
    _sign(petition, [f"Signer {i}" for i in range(10)])
    db.session.commit()
    batch_id = _frozen(petition)

    def die_midway(done: int, total: int) -> None:
        if done >= 4:
            raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError, match="worker killed"):
        render_batch(batch_id, progress=die_midway)

    batch = _batch(batch_id)
    assert batch.status is BatchStatus.QUEUED  # the sweep will queue it again
    assert "worker killed" in batch.error and batch.attempts == 1
    assert not list(storage.folder(batch_id).glob("*.pdf"))  # nothing half-written
    assert batch.documents == []

    batch = render_batch(batch_id)
    assert batch.status is BatchStatus.DONE and batch.attempts == 2 and batch.error == ""
    assert [d.pages for d in batch.documents] == [10, 10]
    assert len(pypdf_pages(storage.path(batch_id, batch.documents[0].file_name))) == 10


def _unsigned_part(data: bytes) -> bytes:
    # All but what a new signature changes: its time (/M) and its CMS (/Contents; ECDSA is
    # randomised). Each is replaced by a marker of the same kind, so nothing else may differ.
    data, times = re.subn(rb"/M\(D:\d{14}Z\)", b"/M(D:time)", data)
    data, cms = re.subn(rb"/Contents<[0-9A-F]+>", b"/Contents<cms>", data)
    assert times == cms == 1
    return data


def test_a_batch_whose_worker_died_is_rendered_again_to_the_same_documents(app_context, storage):
    petition = _petition()
    _sign(petition, SPECIAL_NAMES)
    db.session.commit()
    batch_id = _frozen(petition)
    batch = render_batch(batch_id)
    first = {d.file_name: storage.path(batch_id, d.file_name).read_bytes() for d in batch.documents}
    manifest = batch_manifest(batch)
    assert render_batch(batch_id).attempts == 1  # done: left alone

    batch.status = BatchStatus.RENDERING  # as a worker that died mid-render leaves it
    batch.heartbeat_at = utcnow() - LEASE - timedelta(minutes=1)
    db.session.commit()
    assert requeue_stuck_batches() == [batch_id]  # queued, and run at once in tests

    batch = _batch(batch_id)
    assert batch.status is BatchStatus.DONE and batch.attempts == 2
    for name, data in first.items():
        again = storage.path(batch_id, name).read_bytes()
        assert _unsigned_part(again) == _unsigned_part(data)
    assert {k: v for k, v in batch_manifest(batch).items() if k != "recipients"} == {
        k: v for k, v in manifest.items() if k != "recipients"
    }


def test_the_sweep_requeues_lost_batches_and_gives_up_after_max_attempts(app_context):
    petition = _petition()
    old = utcnow() - LEASE - timedelta(minutes=1)
    hopeless = make_batch(
        petition,
        status=BatchStatus.RENDERING,
        started_at=old,
        heartbeat_at=old,
        attempts=MAX_ATTEMPTS,
        error="RuntimeError: out of memory",
    )
    # Started long ago, but its worker is alive: the heartbeat is recent.
    busy = make_batch(petition, status=BatchStatus.RENDERING, started_at=old,
                      heartbeat_at=utcnow(), attempts=1)  # fmt: skip
    fresh = make_batch(petition, status=BatchStatus.QUEUED, created_at=utcnow())
    db.session.commit()

    assert requeue_stuck_batches() == []

    assert _batch(hopeless.id).status is BatchStatus.FAILED
    assert "gave up after 3 attempts" in _batch(hopeless.id).error
    assert "out of memory" in _batch(hopeless.id).error
    assert _batch(busy.id).status is BatchStatus.RENDERING
    assert _batch(fresh.id).status is BatchStatus.QUEUED
