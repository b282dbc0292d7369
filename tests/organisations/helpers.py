"""A coalition whose page signs several petitions at once, and posting its form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from werkzeug.datastructures import MultiDict

from petition_service.extensions import db
from petition_service.models import CaseStatus, PetitionStatus
from tests.factories import (
    make_membership,
    make_organisation,
    make_petition,
    make_sponsor,
)
from tests.mail.conftest import LINK, text_part
from tests.signatures.helpers import TOKEN, fresh_address, good_fields


@dataclass(frozen=True)
class Coalition:
    slug: str
    open: list[str]  # what its form signs: its own, its member's, one a member co-sponsors
    closed: str
    draft: str
    outsider: str  # an open petition of an organisation outside the coalition


def make_coalition(app, *, protect=("VN", "VN", "VN"), origins=((), (), ())) -> Coalition:
    """#StopTheCrackdownVN-like: the coalition's petition, its member's, and an outsider's
    co-sponsored by the member; each protects `protect[i]` and allows `origins[i]`."""
    with app.app_context():
        coalition = make_organisation(name="#StopTheCrackdownVN")
        member = make_organisation(name="Bloggers' Defence")
        make_membership(coalition, member)
        people = ("Nguyễn Văn Oai", "Nguyễn Ngọc Như Quỳnh", "Nguyễn Văn Đài")
        owners = (coalition, member, make_organisation(name="Outside friends"))
        petitions = [
            make_petition(
                organisation=owner,
                title=f"Free {person}",
                person_name=person,
                case_status=CaseStatus.SENTENCED,
                protected_countries=list(filter(None, [protect[i]])),
                allowed_origins=list(origins[i]),
            )
            for i, (owner, person) in enumerate(zip(owners, people, strict=True))
        ]
        make_sponsor(petitions[2], member)
        closed = make_petition(organisation=coalition, status=PetitionStatus.CLOSED)
        draft = make_petition(organisation=coalition, status=PetitionStatus.DRAFT)
        outsider = make_petition(title="Someone else's petition")
        db.session.commit()
        return Coalition(coalition.slug, [p.slug for p in petitions], closed.slug, draft.slug,
                         outsider.slug)  # fmt: skip


def form_token(client, organisation: str, path: str = "/o/{slug}") -> str:
    html = client.get(path.format(slug=organisation)).get_data(as_text=True)
    match = TOKEN.search(html)
    assert match, "the page has no form that signs several petitions"
    return match.group(1)


def post_several(client, organisation: str, petitions: list[str], *, address: str | None = None,
                 embed: bool = False, token: str | None = None, lang: str = "en",
                 path: str = "/o/{slug}", **fields):  # fmt: skip
    data = good_fields(**fields)
    data.setdefault("form_token", token or form_token(client, organisation, path))
    pairs = [(key, value) for key, value in data.items() if value is not None]
    pairs += [("petitions", slug) for slug in petitions]
    query = f"lang={lang}" + ("&embed=1" if embed else "")
    return client.post(f"/o/{organisation}/sign?{query}", data=MultiDict(pairs),
                       environ_base={"REMOTE_ADDR": address or fresh_address()})  # fmt: skip


def links(message, kind: str) -> list[str]:
    """Every `kind` link of the mail (path and query), in order."""
    found = []
    for url in LINK.findall(text_part(message)):
        parts = urlsplit(url)
        if parts.path.startswith(f"/{kind}/"):
            found.append(f"{parts.path}?{parts.query}" if parts.query else parts.path)
    return found


def checkboxes(html: str) -> dict[str, bool]:
    """The petitions the form lists, and whether each is ticked."""
    boxes = re.findall(r'<input id="sign-petition-\d+" name="petitions" type="checkbox" '
                       r'value="([^"]+)"( checked)?>', html)  # fmt: skip
    return {slug: bool(checked) for slug, checked in boxes}
