"""Loading the demo data, idempotently, and bulk-inserting synthetic signatures."""

from __future__ import annotations

import os
import random
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from ..extensions import db
from ..petitions.models import Organisation, Petition, PetitionStatus, Recipient
from ..signatures.display import Display
from ..signatures.models import Signature, SignatureStatus
from ..staff.models import StaffRole, StaffUser
from ..staff.service import ensure_membership, hash_password
from ..types import utcnow
from . import content
from .coalition import ensure_coalition
from .loop import LoopResult, load_demo_loop
from .rows import ensure_organisation
from .vietnamese import ensure_vietnamese

INSERT_CHUNK = 5000


@dataclass(frozen=True)
class DemoResult:
    organisation: Organisation
    open_petition: Petition
    staff_email: str
    staff_password: str
    signatures_added: int
    loop: LoopResult | None = None


def load_demo(
    instance_path: Path,
    signatures: int = 0,
    progress: Callable[[int], None] | None = None,
) -> DemoResult:
    """Create whatever of the demo is missing, then add `signatures` confirmed signatures.

    Running it again changes nothing but the added signatures: rows that exist are left as
    they are, so staff edits to the demo survive a restart of `make run`.
    """
    organisation = ensure_organisation(content.ORGANISATION)
    for member in content.MEMBER_GROUPS:
        ensure_membership(organisation, ensure_organisation(member))

    now = utcnow()
    open_petition = _ensure_petition(
        organisation, content.OPEN_PETITION, PetitionStatus.OPEN, opens_at=now - timedelta(days=60)
    )
    victory_petition = _ensure_petition(
        organisation,
        content.VICTORY_PETITION,
        PetitionStatus.VICTORY,
        opens_at=now - timedelta(days=400),
        closes_at=now - timedelta(days=300),
    )
    _ensure_petition(organisation, content.DRAFT_PETITION, PetitionStatus.DRAFT)
    ensure_vietnamese(open_petition)
    ensure_coalition()

    password = _demo_staff_password(instance_path)
    staff = db.session.scalar(select(StaffUser).where(StaffUser.email == content.STAFF_EMAIL))
    if staff is None:
        db.session.add(
            StaffUser(
                email=content.STAFF_EMAIL,
                name="Demo staff",
                organisation=organisation,
                password_hash=hash_password(password),
                role=StaffRole.ADMIN,
            )
        )
    db.session.flush()

    # The loop closed once: a victory update mailed, a small batch delivered (demo/loop.py).
    loop = load_demo_loop(open_petition, victory_petition)
    added = add_synthetic_signatures(open_petition, signatures, progress) if signatures else 0
    return DemoResult(organisation, open_petition, content.STAFF_EMAIL, password, added, loop)


def _ensure_petition(
    organisation: Organisation, spec: dict[str, Any], status: PetitionStatus, **dates: Any
) -> Petition:
    petition = db.session.scalar(select(Petition).where(Petition.slug == spec["slug"]))
    if petition is not None:
        return petition
    petition = Petition(
        organisation=organisation,
        slug=spec["slug"],
        title=spec["title"],
        summary=spec["summary"],
        story=spec["story"],
        letter_body=spec["letter_body"],
        letter_closing=spec["letter_closing"],
        language="en",
        status=status,
        update_message=spec.get("update_message", ""),
        goal=spec["goal"],
        allowed_origins=[],
        protected_countries=spec.get("protected_countries", []),
        **spec.get("case", {}),
        **dates,
    )
    petition.recipients = [
        Recipient(position=position, **recipient)
        for position, recipient in enumerate(spec["recipients"])
    ]
    db.session.add(petition)
    db.session.flush()
    return petition


def _demo_staff_password(instance_path: Path) -> str:
    """A random password, made once per instance and kept beside the database, so every
    `make run` can print the login without the project shipping a known password."""
    password_file = instance_path / "demo-staff-password"
    if password_file.exists():
        return password_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password)
    return password


def _ascii_slug(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return re.sub(r"[^a-z0-9]+", "", decomposed.encode("ascii", "ignore").decode().lower())


_OTHER_SCRIPTS = list(content.OTHER_SCRIPTS.values())

# How synthetic signers choose to appear: most in Viet Nam keep the petition's default
# (initials), some show their name, a few are counted only; elsewhere most show their name.
DISPLAYS = (Display.FULL, Display.INITIALS, Display.ANONYMOUS)
DISPLAY_WEIGHTS = {True: (0.2, 0.7, 0.1), False: (0.9, 0.07, 0.03)}


def synthetic_display(rng: random.Random, country: str) -> Display:
    return rng.choices(DISPLAYS, DISPLAY_WEIGHTS[country == "VN"])[0]


def synthetic_signer(rng: random.Random) -> tuple[str, str, str]:
    """A (name, city, country) as a real signer might type it: Vietnamese names (45 %),
    international names in Latin letters (22 %), and one in three in other scripts."""
    roll = rng.random()
    if roll < 0.45:
        name = " ".join(
            (
                rng.choice(content.VIETNAMESE_FAMILY_NAMES),
                rng.choice(content.VIETNAMESE_MIDDLE_NAMES),
                rng.choice(content.VIETNAMESE_GIVEN_NAMES),
            )
        )
        city, country = rng.choice(content.VIETNAMESE_PLACES)
    elif roll < 0.67:
        name = (
            f"{rng.choice(content.INTERNATIONAL_GIVEN_NAMES)} "
            f"{rng.choice(content.INTERNATIONAL_FAMILY_NAMES)}"
        )
        city, country = rng.choice(content.INTERNATIONAL_PLACES)
    else:
        families, givens, family_first, separator, places = rng.choice(_OTHER_SCRIPTS)
        family, given = rng.choice(families), rng.choice(givens)
        name = separator.join((family, given) if family_first else (given, family))
        city, country = rng.choice(places)
    return unicodedata.normalize("NFC", name), city, country


def add_synthetic_signatures(
    petition: Petition, count: int, progress: Callable[[int], None] | None = None
) -> int:
    """Bulk-insert `count` confirmed signatures spread over the petition's last 60 days."""
    # Numbering continues after the signatures already there, which keeps every
    # generated address unique however often the command runs.
    start = (
        db.session.scalar(
            select(func.count()).select_from(Signature).where(Signature.petition_id == petition.id)
        )
        or 0
    )
    rng = random.Random(start)  # noqa: S311  (made-up demo data, nothing secret)
    now = utcnow()
    window_seconds = 60 * 24 * 3600
    inserted = 0
    while inserted < count:
        rows = []
        for number in range(start + inserted, start + min(count, inserted + INSERT_CHUNK)):
            name, city, country = synthetic_signer(rng)
            email = f"{_ascii_slug(name) or 'signer'}.{number}@example.org"
            signed_at = now - timedelta(seconds=rng.randrange(window_seconds))
            rows.append(
                {
                    "petition_id": petition.id,
                    "name": name,
                    "email": email,
                    "email_canonical": email,
                    "country": country,
                    "city": city,
                    "consent": True,
                    "wants_updates": rng.random() < 0.3,
                    "language": "vi" if country == "VN" else "en",
                    "display": synthetic_display(rng, country),
                    "status": SignatureStatus.CONFIRMED,
                    "created_at": signed_at,
                    "confirmed_at": min(now, signed_at + timedelta(minutes=rng.randrange(1, 90))),
                    "invalid_reason": "",
                }
            )
        db.session.execute(insert(Signature), rows)
        inserted += len(rows)
        if progress:
            progress(len(rows))
    return inserted
