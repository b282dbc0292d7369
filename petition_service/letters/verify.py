"""Checking a batch folder as it reached a recipient: the manifest's own signature, then
every file it lists (present, its SHA-256, its page count, its PDF signature, the batch id
and the number of signers written into it).

Works on files alone (no database), offline, against one trusted certificate, so an
exported folder can be checked years later or on another machine. Every difference is
named, one line each, so someone checking a folder learns what was changed, not only that
something was.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"
MANIFEST_SIGNATURE_NAME = MANIFEST_NAME + ".sig"
_SUBJECT_BATCH = re.compile(r"^(\d+) \((letters|annex)\)$")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
_RECIPIENT_KEYS = {"name": str, "title": str, "file": str, "pages": int, "sha256": str}


def _manifest_problems(manifest: Any) -> list[str]:
    if not isinstance(manifest, dict):
        return ["manifest.json is not a JSON object"]
    problems = []
    expected: dict[str, type] = {
        "batch_id": int,
        "petition": str,
        "created_at": str,
        "signature_count": int,
        "signatures_sha256": str,
        "recipients": list,
    }
    for key, kind in expected.items():
        value = manifest.get(key)
        # bool is an int in Python; a manifest saying `"pages": true` is still wrong.
        if not isinstance(value, kind) or isinstance(value, bool):
            problems.append(f"manifest: {key!r} missing or not a {kind.__name__}")
    if problems:
        return problems
    try:
        datetime.fromisoformat(manifest["created_at"])
    except ValueError:
        problems.append("manifest: 'created_at' is not an ISO 8601 time")
    if manifest["signature_count"] < 1:
        problems.append("manifest: 'signature_count' must be at least 1")
    if not _SHA256.fullmatch(manifest["signatures_sha256"]):
        problems.append("manifest: 'signatures_sha256' is not a SHA-256 hex digest")
    if not manifest["recipients"]:
        problems.append("manifest: 'recipients' is empty")
    for index, entry in enumerate(manifest["recipients"]):
        if not isinstance(entry, dict):
            problems.append(f"manifest: recipient {index} is not an object")
            continue
        for key, kind in _RECIPIENT_KEYS.items():
            value = entry.get(key)
            if not isinstance(value, kind) or isinstance(value, bool):
                problems.append(
                    f"manifest: recipient {index}: {key!r} missing or not a {kind.__name__}"
                )
        file_name = entry.get("file")
        if isinstance(file_name, str) and not _FILE_NAME.fullmatch(file_name):
            problems.append(f"manifest: recipient {index}: unsafe file name {file_name!r}")
    return problems


def _pdf_facts(pdf: Any) -> tuple[int | None, str | None, int | None]:
    """(batch id, mode, signer count) written in a batch PDF's Info dictionary."""
    info = pdf.docinfo
    match = _SUBJECT_BATCH.match(str(info.get("/Subject", "")))
    count = info.get("/SignatureCount")
    try:
        signers = int(count) if count is not None else None
    except (TypeError, ValueError):
        signers = None
    if match is None:
        return None, None, signers
    return int(match.group(1)), match.group(2), signers


def _file_problems(
    folder: Path, entry: dict[str, Any], manifest: dict[str, Any], cert_path: Path
) -> list[str]:
    import pikepdf

    from .signing import verify_pdf

    name = entry["file"]
    path = folder / name
    if not path.is_file():
        return [f"{name}: listed in the manifest but missing"]
    data = path.read_bytes()
    problems = []
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        problems.append(f"{name}: SHA-256 does not match the manifest (the file was changed)")
    try:
        with pikepdf.open(path) as pdf:
            pages = len(pdf.pages)
            batch_id, mode, signers = _pdf_facts(pdf)
    except pikepdf.PdfError as exc:
        return [*problems, f"{name}: not a readable PDF ({exc})"]
    if pages != entry["pages"]:
        problems.append(f"{name}: {pages} pages, the manifest says {entry['pages']}")
    if batch_id is None:
        problems.append(f"{name}: carries no batch id (not a document of a batch)")
    elif batch_id != manifest["batch_id"]:
        problems.append(
            f"{name}: is a document of batch {batch_id}, not of batch {manifest['batch_id']}"
        )
    if mode is not None and manifest.get("mode") not in (None, mode):
        problems.append(f"{name}: is in {mode} mode, the manifest says {manifest['mode']}")
    if signers is None:
        problems.append(f"{name}: does not say how many signers it carries")
    elif signers != manifest["signature_count"]:
        problems.append(
            f"{name}: carries {signers} signers, the manifest says {manifest['signature_count']}"
        )
    if mode == "letters" and signers is not None and pages != signers:
        # One page per signer: a page added or removed shows here even with a valid hash.
        problems.append(f"{name}: {pages} pages for {signers} signers (letters mode: one each)")
    result = verify_pdf(data, cert_path)
    if not result.ok:
        problems.append(f"{name}: digital signature not valid: {result.summary}")
    return problems


def _signature_problems(folder: Path, manifest_bytes: bytes, cert_path: Path) -> list[str]:
    from .attest import verify_detached

    signature_path = folder / MANIFEST_SIGNATURE_NAME
    if not signature_path.is_file():
        return [f"{MANIFEST_SIGNATURE_NAME} is missing: the manifest cannot be shown unedited"]
    check = verify_detached(manifest_bytes, signature_path.read_bytes(), cert_path)
    if not check.ok:
        return [f"manifest.json was edited or is not signed by this key ({check.problem})"]
    return []


def verify_batch_folder(folder: str | Path, cert_path: str | Path) -> list[str]:
    """Everything wrong with the batch in `folder`; an empty list means intact.

    Intact: `manifest.json` is present, well formed and signed (`manifest.json.sig`) by
    `cert_path`; every file it lists is there with the listed SHA-256 and page count, one
    valid signature by `cert_path` covering the whole file, and the manifest's batch id and
    signer count written inside it; and no PDF is in the folder that the manifest does not
    list.
    """
    folder, cert_path = Path(folder), Path(cert_path)
    if not folder.is_dir():
        return [f"{folder} is not a folder"]
    manifest_path = folder / MANIFEST_NAME
    if not manifest_path.is_file():
        return ["manifest.json is missing"]
    manifest_bytes = manifest_path.read_bytes()
    signature = _signature_problems(folder, manifest_bytes, cert_path)
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        return [*signature, f"manifest.json is not valid JSON: {exc}"]
    problems = signature + _manifest_problems(manifest)
    if len(problems) > len(signature):
        return problems
    listed = set()
    for entry in manifest["recipients"]:
        listed.add(entry["file"])
        problems += _file_problems(folder, entry, manifest, cert_path)
    for extra in sorted(p.name for p in folder.glob("*.pdf") if p.name not in listed):
        problems.append(f"{extra}: a PDF the manifest does not list")
    return problems
