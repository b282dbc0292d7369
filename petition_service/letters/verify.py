"""Checking a batch folder as it reached a recipient: manifest, hashes, pages, signatures.

Works on files alone (no database), offline, against one trusted certificate, so an
exported folder can be checked years later or on another machine.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"
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


def _file_problems(folder: Path, entry: dict[str, Any], cert_path: Path) -> list[str]:
    import pikepdf

    from .signing import verify_pdf

    name = entry["file"]
    path = folder / name
    if not path.is_file():
        return [f"{name}: listed in the manifest but missing"]
    data = path.read_bytes()
    problems = []
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        problems.append(f"{name}: SHA-256 does not match the manifest")
    try:
        with pikepdf.open(path) as pdf:
            pages = len(pdf.pages)
    except pikepdf.PdfError as exc:
        problems.append(f"{name}: not a readable PDF ({exc})")
    else:
        if pages != entry["pages"]:
            problems.append(f"{name}: {pages} pages, the manifest says {entry['pages']}")
    result = verify_pdf(data, cert_path)
    if not result.ok:
        problems.append(f"{name}: digital signature not valid: {result.summary}")
    return problems


def verify_batch_folder(folder: str | Path, cert_path: str | Path) -> list[str]:
    """Everything wrong with the batch in `folder`; an empty list means intact.

    Intact: `manifest.json` is present and well formed, every file it lists is there with
    the listed SHA-256 and page count and one valid signature by `cert_path` covering the
    whole file, and no PDF is in the folder that the manifest does not list.
    """
    folder, cert_path = Path(folder), Path(cert_path)
    if not folder.is_dir():
        return [f"{folder} is not a folder"]
    manifest_path = folder / MANIFEST_NAME
    if not manifest_path.is_file():
        return ["manifest.json is missing"]
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        return [f"manifest.json is not valid JSON: {exc}"]
    problems = _manifest_problems(manifest)
    if problems:
        return problems
    listed = set()
    for entry in manifest["recipients"]:
        listed.add(entry["file"])
        problems += _file_problems(folder, entry, cert_path)
    for extra in sorted(p.name for p in folder.glob("*.pdf") if p.name not in listed):
        problems.append(f"{extra}: a PDF the manifest does not list")
    return problems
