"""Creating and editing petitions and their recipients; opening, closing, victory."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..petitions.models import Organisation, Petition, PetitionStatus, Recipient
from ..petitions.texts import TEXT_LANGUAGES
from ..signatures.countries import country_codes
from ..types import utcnow
from .service import StaffError

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: What a petition is written in and a recipient reads: the languages of petition texts.
LANGUAGES = TEXT_LANGUAGES
# /staff/petitions/new is the creation form, so no petition may be called "new".
RESERVED_SLUGS = frozenset({"new"})


class FieldError(StaffError):
    """A rule about one form field; the view shows the message beside that field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


_HOSTNAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$")


def _origin_host(host: str) -> str | None:
    """The host as it appears in an origin, or None when it is not a plain name or address."""
    if _HOSTNAME.match(host):
        return host
    try:
        return f"[{ipaddress.IPv6Address(host).compressed}]"
    except ValueError:
        return None


def parse_countries(text: str) -> list[str]:
    """ISO 3166-1 alpha-2 codes separated by commas or spaces, upper-cased, each once."""
    codes: list[str] = []
    for raw in re.split(r"[\s,;]+", text.strip()):
        if not raw:
            continue
        code = raw.upper()
        if code not in country_codes():
            raise ValueError(f"{raw} is not a country code like VN (ISO 3166-1 alpha-2)")
        if code not in codes:
            codes.append(code)
    return codes


def parse_origins(text: str) -> list[str]:
    """Allowed embed origins, one per line, as normalised `scheme://host[:port]`.

    They end up in a Content-Security-Policy `frame-ancestors` list, so anything but a bare
    origin (a path, a wildcard, a stray space or semicolon) is refused rather than guessed at.
    """
    origins: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        problem = f"Line {number} ({line}) is not an origin like https://example.org"
        try:
            parts = urlsplit(line.removesuffix("/"))
            port = parts.port
        except ValueError as exc:
            raise ValueError(problem) from exc
        host = _origin_host(parts.hostname or "")
        if (
            parts.scheme not in ("http", "https")
            or host is None
            or parts.username is not None
            or parts.password is not None
            or any((parts.path, parts.query, parts.fragment))
            or "@" in parts.netloc
        ):
            raise ValueError(problem)
        origin = f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")
        if origin not in origins:
            origins.append(origin)
    return origins


@dataclass(frozen=True)
class PetitionInput:
    title: str
    slug: str
    summary: str
    story: str
    letter_body: str
    letter_closing: str
    language: str
    goal: int
    opens_at: datetime | None
    closes_at: datetime | None
    allowed_origins: list[str]
    protected_countries: list[str] = field(default_factory=list)


def _slug_taken(slug: str, except_id: int | None) -> bool:
    query = select(Petition.id).where(Petition.slug == slug)
    if except_id is not None:
        query = query.where(Petition.id != except_id)
    return db.session.scalar(query) is not None


def _apply(petition: Petition, data: PetitionInput) -> None:
    if not SLUG_PATTERN.match(data.slug):
        raise FieldError("slug", "Use lowercase letters, digits and single hyphens.")
    if data.slug != petition.slug and petition.slug and petition.status is not PetitionStatus.DRAFT:
        # Published links and embed snippets name the slug; changing it would break them.
        raise FieldError("slug", "The address cannot change once the petition has been opened.")
    if data.slug in RESERVED_SLUGS:
        raise FieldError("slug", "This address is reserved; choose another.")
    if _slug_taken(data.slug, petition.id):
        raise FieldError("slug", "Another petition already uses this address.")
    if data.language not in LANGUAGES:
        raise FieldError("language", "Choose English or Vietnamese.")
    if data.language != petition.language and any(
        text.language == data.language for text in petition.translations
    ):
        # The petition's own texts and a translation in one language would shadow each other.
        raise FieldError(
            "language", "The petition has a translation in this language: remove it first."
        )
    if data.opens_at and data.closes_at and data.closes_at <= data.opens_at:
        raise FieldError("closes_at", "The closing date must come after the opening date.")
    for name, value in vars(data).items():
        setattr(petition, name, value)


def _flush_slug_safely() -> None:
    # Two staff members choosing one slug at the same moment: the unique index decides.
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise FieldError("slug", "Another petition already uses this address.") from exc


def create_petition(organisation: Organisation, data: PetitionInput) -> Petition:
    """A new draft petition of `organisation`; the public sees it only once opened."""
    # By id, not relationship: the petition joins the session only once it is valid.
    petition = Petition(organisation_id=organisation.id, status=PetitionStatus.DRAFT, slug="")
    _apply(petition, data)
    db.session.add(petition)
    _flush_slug_safely()
    return petition


def update_petition(petition: Petition, data: PetitionInput) -> None:
    _apply(petition, data)
    _flush_slug_safely()


# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[PetitionStatus], PetitionStatus]] = {
    "open": (frozenset({PetitionStatus.DRAFT, PetitionStatus.CLOSED}), PetitionStatus.OPEN),
    "close": (frozenset({PetitionStatus.OPEN}), PetitionStatus.CLOSED),
    "victory": (frozenset({PetitionStatus.OPEN, PetitionStatus.CLOSED}), PetitionStatus.VICTORY),
}


def allowed_actions(petition: Petition) -> list[str]:
    return [action for action, (sources, _) in TRANSITIONS.items() if petition.status in sources]


def change_status(petition: Petition, action: str, update_message: str = "") -> None:
    """Open, close or declare victory; the update message is shown on the public page."""
    if action not in TRANSITIONS:
        raise StaffError(f"Unknown action {action!r}.")
    allowed_from, target = TRANSITIONS[action]
    if petition.status not in allowed_from:
        raise StaffError(
            f"A petition that is {petition.status.value} cannot be changed to {target.value}."
        )
    message = update_message.strip()
    if target is PetitionStatus.VICTORY and not message:
        raise FieldError("update_message", "Tell the signers what was won.")
    if target is PetitionStatus.OPEN and not petition.recipients:
        raise StaffError("Add at least one recipient before opening the petition.")
    petition.status = target
    # The retention time counts from the closing (signatures/retention.py); a closed
    # petition declared won keeps the day it closed.
    if target is PetitionStatus.OPEN:
        petition.closed_at = None
    elif petition.closed_at is None:
        petition.closed_at = utcnow()
    if message or target is PetitionStatus.OPEN:
        petition.update_message = message


@dataclass(frozen=True)
class RecipientInput:
    name: str
    title: str
    salutation: str
    postal_address: str
    email: str | None
    order: int | None  # 1-based place in the list; None puts it last
    language: str = "en"  # the language the official reads


def _reorder(petition: Petition, moved: Recipient, order: int | None) -> None:
    """Number the recipients 0..n-1 with `moved` at `order`.

    Positions are unique per petition, so rows are first parked on negative numbers:
    renumbering in place would collide halfway through on either database.
    """
    others = [r for r in petition.recipients if r is not moved]
    others.sort(key=lambda r: r.position)
    index = len(others) if order is None else max(0, min(order - 1, len(others)))
    _renumber(petition, [*others[:index], moved, *others[index:]])


def _renumber(petition: Petition, ordered: list[Recipient]) -> None:
    for i, recipient in enumerate(ordered):
        recipient.position = -1 - i
    db.session.flush()
    for i, recipient in enumerate(ordered):
        recipient.position = i
    petition.recipients = ordered
    db.session.flush()


def _fill(recipient: Recipient, data: RecipientInput) -> None:
    recipient.name = data.name.strip()
    recipient.title = data.title.strip()
    recipient.salutation = data.salutation.strip()
    recipient.postal_address = data.postal_address.strip()
    recipient.email = (data.email or "").strip() or None
    if data.language not in LANGUAGES:
        raise FieldError("language", "Choose English or Vietnamese.")
    recipient.language = data.language


def add_recipient(petition: Petition, data: RecipientInput) -> Recipient:
    next_position = db.session.scalar(
        select(func.coalesce(func.max(Recipient.position), -1) + 1).where(
            Recipient.petition_id == petition.id
        )
    )
    recipient = Recipient(petition=petition, position=next_position)
    _fill(recipient, data)
    db.session.add(recipient)
    db.session.flush()
    if data.order is not None:
        _reorder(petition, recipient, data.order)
    return recipient


def update_recipient(recipient: Recipient, data: RecipientInput) -> None:
    _fill(recipient, data)
    if data.order is not None and data.order - 1 != _index_of(recipient):
        _reorder(recipient.petition, recipient, data.order)


def _index_of(recipient: Recipient) -> int:
    ordered = sorted(recipient.petition.recipients, key=lambda r: r.position)
    return ordered.index(recipient)


def remove_recipient(recipient: Recipient) -> None:
    petition = recipient.petition
    if petition.status is PetitionStatus.OPEN and len(petition.recipients) == 1:
        raise StaffError("An open petition needs at least one recipient.")
    petition.recipients.remove(recipient)
    db.session.flush()
    # Close the gap, so positions stay 0..n-1 and the "order" shown on the form is right.
    _renumber(petition, sorted(petition.recipients, key=lambda r: r.position))
