"""Organisations and coalitions as the public sees them, and the rules that tie them.

The pages get plain data from here, built with a fixed number of queries however many
petitions an organisation runs: the organisation page is read by crowds, like the petition
page, so it must never issue a query per card.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select

from ..errors import NotFoundError
from ..extensions import db
from ..petitions.models import (
    CaseStatus,
    CoalitionMembership,
    MembershipStatus,
    Organisation,
    Petition,
    PetitionSponsor,
    PetitionStatus,
    PetitionText,
    accepts_signatures,
)
from ..petitions.service import signature_counts

PAGE_SIZE = 24
# The most petitions one form signs at once: a coalition's campaign, not a whole catalogue
# (an organisation with hundreds of cases lists its newest open ones).
SIGN_SEVERAL_MAX = 20
# The public order of a list of petitions: those you can still sign, then the wins.
_STATUS_ORDER = {PetitionStatus.OPEN: 0, PetitionStatus.VICTORY: 1, PetitionStatus.CLOSED: 2}
PUBLIC_STATUSES = (PetitionStatus.OPEN, PetitionStatus.VICTORY, PetitionStatus.CLOSED)
PUBLIC_STATUS_VALUES = frozenset(s.value for s in PUBLIC_STATUSES)

_NOT_FOUND = "There is no organisation at this address."


# --- the coalition circle --------------------------------------------------------------


def active_member_ids(coalition_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(CoalitionMembership.member_id).where(
                CoalitionMembership.coalition_id == coalition_id,
                CoalitionMembership.status == MembershipStatus.ACTIVE,
            )
        )
    )


def active_coalition_ids(member_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(CoalitionMembership.coalition_id).where(
                CoalitionMembership.member_id == member_id,
                CoalitionMembership.status == MembershipStatus.ACTIVE,
            )
        )
    )


def sponsor_candidates(owner_id: int) -> list[Organisation]:
    """Who may co-sponsor a petition of `owner_id`: the organisations of its coalitions.

    That is every coalition the owner is an active member of and those coalitions' active
    members, plus the owner's own active members when the owner is a coalition.
    """
    coalitions = active_coalition_ids(owner_id)
    circle = set(coalitions) | set(active_member_ids(owner_id))
    if coalitions:
        circle |= set(
            db.session.scalars(
                select(CoalitionMembership.member_id).where(
                    CoalitionMembership.coalition_id.in_(coalitions),
                    CoalitionMembership.status == MembershipStatus.ACTIVE,
                )
            )
        )
    circle.discard(owner_id)
    if not circle:
        return []
    return list(
        db.session.scalars(
            select(Organisation).where(Organisation.id.in_(circle)).order_by(Organisation.name)
        )
    )


def sponsor_names(petition: Petition) -> list[str]:
    """The owner, then each co-sponsor: how pages, the API and letters name the sponsors."""
    return [petition.organisation.name] + [s.organisation.name for s in petition.sponsorships]


def is_sponsor(petition_id: int, organisation_id: int) -> bool:
    return (
        db.session.scalar(
            select(PetitionSponsor.petition_id).where(
                PetitionSponsor.petition_id == petition_id,
                PetitionSponsor.organisation_id == organisation_id,
            )
        )
        is not None
    )


# --- public pages ----------------------------------------------------------------------


def get_public_organisation(slug: str) -> Organisation:
    organisation = db.session.scalar(
        select(Organisation).where(Organisation.slug == slug, Organisation.is_public.is_(True))
    )
    if organisation is None:
        raise NotFoundError(_NOT_FOUND)
    return organisation


@dataclass(frozen=True)
class OrganisationLink:
    slug: str
    name: str
    is_public: bool


@dataclass(frozen=True)
class PetitionCard:
    """One petition on an organisation's page, in the reader's language where it exists."""

    id: int
    slug: str
    title: str
    summary: str
    language: str
    status: PetitionStatus
    accepting: bool
    goal: int
    created_at: datetime
    owner_name: str
    person_name: str
    case_status: CaseStatus | None
    photo_sha256: str | None
    signature_count: int = 0
    sponsors: list[str] = field(default_factory=list)
    # What signing it from the organisation's form needs (organisations/signing.py).
    protected_countries: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()

    @property
    def progress_percent(self) -> int:
        if self.goal <= 0:
            return 100
        return min(100, self.signature_count * 100 // self.goal)


@dataclass(frozen=True)
class OrganisationPage:
    organisation: Organisation
    members: list[OrganisationLink]
    coalitions: list[OrganisationLink]
    cards: list[PetitionCard]  # this page's cards, counts filled in
    total: int  # cards matching the search and filter, on every page
    page: int
    pages: int
    status_totals: dict[str, int]  # public petitions per status, before filtering
    # The open petitions its form signs at once (all of them, whatever the filter shows),
    # at most SIGN_SEVERAL_MAX, and how many more are open.
    signable: list[PetitionCard] = field(default_factory=list)
    signable_more: int = 0


def _links(rows: Iterable[Organisation]) -> list[OrganisationLink]:
    return [OrganisationLink(o.slug, o.name, o.is_public) for o in rows]


def members_of(coalition_id: int) -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .join(CoalitionMembership, CoalitionMembership.member_id == Organisation.id)
            .where(
                CoalitionMembership.coalition_id == coalition_id,
                CoalitionMembership.status == MembershipStatus.ACTIVE,
            )
            .order_by(Organisation.name)
        )
    )


def coalitions_of(member_id: int) -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .join(CoalitionMembership, CoalitionMembership.coalition_id == Organisation.id)
            .where(
                CoalitionMembership.member_id == member_id,
                CoalitionMembership.status == MembershipStatus.ACTIVE,
            )
            .order_by(Organisation.name)
        )
    )


def fold(text: str) -> str:
    """Text for matching: case and Vietnamese tone marks ignored, so "nguyen van dai"
    finds "Nguyễn Văn Đài" (readers often type without diacritics)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def public_petition_cards(organisation_ids: Sequence[int], language: str) -> list[PetitionCard]:
    """Every public petition owned or co-sponsored by these organisations, in `language`
    where it has a translation, in the public order; counts not yet filled in."""
    if not organisation_ids:
        return []
    sponsored = select(PetitionSponsor.petition_id).where(
        PetitionSponsor.organisation_id.in_(organisation_ids)
    )
    rows = db.session.execute(
        select(
            Petition.id, Petition.slug, Petition.title, Petition.summary, Petition.language,
            Petition.status, Petition.opens_at, Petition.closes_at, Petition.goal,
            Petition.created_at, Petition.person_name, Petition.case_status,
            Petition.photo_sha256, Petition.protected_countries, Petition.allowed_origins,
            Organisation.name.label("owner_name"),
        )
        .join(Organisation, Organisation.id == Petition.organisation_id)
        .where(
            Petition.status.in_(PUBLIC_STATUSES),
            or_(Petition.organisation_id.in_(organisation_ids), Petition.id.in_(sponsored)),
        )
    ).all()  # fmt: skip
    ids = [row.id for row in rows]
    translated = {
        text.petition_id: text
        for text in db.session.scalars(
            select(PetitionText).where(
                PetitionText.petition_id.in_(ids), PetitionText.language == language
            )
        )
    } if ids else {}  # fmt: skip
    cards = []
    for row in rows:
        text = translated.get(row.id) if row.language != language else None
        cards.append(
            PetitionCard(
                id=row.id,
                slug=row.slug,
                title=text.title if text else row.title,
                summary=text.summary if text else row.summary,
                language=text.language if text else row.language,
                status=row.status,
                accepting=accepts_signatures(row.status, row.opens_at, row.closes_at),
                goal=row.goal,
                created_at=row.created_at,
                owner_name=row.owner_name,
                person_name=row.person_name,
                case_status=row.case_status,
                photo_sha256=row.photo_sha256,
                protected_countries=tuple(row.protected_countries or ()),
                allowed_origins=tuple(row.allowed_origins or ()),
            )
        )
    cards.sort(key=lambda c: (_STATUS_ORDER[c.status], not c.accepting, -c.created_at.timestamp()))
    return cards


def _fill_in(cards: list[PetitionCard]) -> list[PetitionCard]:
    """Counts (from the count cache) and co-sponsor names, each in one query for the page."""
    if not cards:
        return []
    ids = [card.id for card in cards]
    counts = signature_counts(ids)
    sponsors: dict[int, list[str]] = {pid: [] for pid in ids}
    for petition_id, name in db.session.execute(
        select(PetitionSponsor.petition_id, Organisation.name)
        .join(Organisation, Organisation.id == PetitionSponsor.organisation_id)
        .where(PetitionSponsor.petition_id.in_(ids))
        .order_by(PetitionSponsor.petition_id, PetitionSponsor.position)
    ):
        sponsors[petition_id].append(name)
    return [
        PetitionCard(
            **{
                **card.__dict__,
                "signature_count": counts.get(card.id, 0),
                "sponsors": [card.owner_name, *sponsors[card.id]],
            }
        )
        for card in cards
    ]


def organisation_page(
    slug: str, language: str, query: str = "", status: str = "", page: int = 1
) -> OrganisationPage:
    """An organisation's public page: its petitions and those it co-sponsors, and for a
    coalition its members' too; filtered by a search and a status, a page at a time."""
    organisation = get_public_organisation(slug)
    members = members_of(organisation.id)
    coalitions = coalitions_of(organisation.id)
    cards = public_petition_cards([organisation.id, *(m.id for m in members)], language)
    totals = {s.value: sum(1 for c in cards if c.status is s) for s in PUBLIC_STATUSES}
    open_cards = [card for card in cards if card.accepting]
    if status in totals:
        cards = [card for card in cards if card.status.value == status]
    words = fold(query).split()
    if words:
        cards = [
            card
            for card in cards
            if all(
                word in fold(f"{card.title} {card.person_name} {card.summary} {card.owner_name}")
                for word in words
            )
        ]
    pages = max(1, -(-len(cards) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = _fill_in(cards[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    return OrganisationPage(
        organisation=organisation,
        members=_links(members),
        coalitions=_links(coalitions),
        cards=shown,
        total=len(cards),
        page=page,
        pages=pages,
        status_totals=totals,
        signable=open_cards[:SIGN_SEVERAL_MAX],
        signable_more=max(0, len(open_cards) - SIGN_SEVERAL_MAX),
    )


@dataclass(frozen=True)
class OrganisationSummary:
    slug: str
    name: str
    description: str
    open_petitions: int
    member_count: int


def public_organisations() -> list[OrganisationSummary]:
    """The home page: every public organisation, with how many petitions are open and, for
    a coalition, how many members it has. Three queries, however many organisations."""
    organisations = list(
        db.session.execute(
            select(Organisation.id, Organisation.slug, Organisation.name, Organisation.description)
            .where(Organisation.is_public.is_(True))
            .order_by(Organisation.name)
        )
    )
    open_counts: dict[int, int] = {
        organisation_id: number
        for organisation_id, number in db.session.execute(
            select(Petition.organisation_id, func.count())
            .where(Petition.status == PetitionStatus.OPEN)
            .group_by(Petition.organisation_id)
        )
    }
    member_counts: dict[int, int] = {
        coalition_id: number
        for coalition_id, number in db.session.execute(
            select(CoalitionMembership.coalition_id, func.count())
            .where(CoalitionMembership.status == MembershipStatus.ACTIVE)
            .group_by(CoalitionMembership.coalition_id)
        )
    }
    return [
        OrganisationSummary(
            slug=row.slug,
            name=row.name,
            description=row.description,
            open_petitions=open_counts.get(row.id, 0),
            member_count=member_counts.get(row.id, 0),
        )
        for row in organisations
    ]


@dataclass(frozen=True)
class OrganisationDocument:
    body: dict
    organisation_id: int
    accepting: bool  # some petition it lists accepts signatures (its form can sign it)


def organisation_document(slug: str, language: str) -> OrganisationDocument:
    """`GET /api/v1/organisations/<slug>`: the same petitions as the page, unfiltered."""
    organisation = get_public_organisation(slug)
    members = members_of(organisation.id)
    cards = public_petition_cards([organisation.id, *(m.id for m in members)], language)
    counts = signature_counts([card.id for card in cards])
    body = {
        "slug": organisation.slug,
        "name": organisation.name,
        "description": organisation.description,
        "website": organisation.website,
        "members": [member.slug for member in members],
        "coalitions": [coalition.slug for coalition in coalitions_of(organisation.id)],
        "petitions": [
            {
                "slug": card.slug,
                "title": card.title,
                "status": card.status.value,
                "signature_count": counts.get(card.id, 0),
                "person": card.person_name or None,
                "owner": card.owner_name,
            }
            for card in cards
        ],
    }
    return OrganisationDocument(body, organisation.id, any(card.accepting for card in cards))
