"""Small factories with keyword defaults; each adds to the session and flushes."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from petition_service.extensions import db
from petition_service.models import (
    Batch,
    BatchMode,
    BatchStatus,
    CoalitionMembership,
    MembershipStatus,
    Organisation,
    Petition,
    PetitionSponsor,
    PetitionStatus,
    PetitionText,
    Recipient,
    Signature,
    SignatureStatus,
    StaffRole,
    StaffUser,
)
from petition_service.staff.service import hash_password, issue_token_for

if TYPE_CHECKING:
    from petition_service.signatures.validation import SignatureInput

_sequence = itertools.count(1)


def make_organisation(**fields: Any) -> Organisation:
    number = next(_sequence)
    organisation = Organisation(
        **{"slug": f"org-{number}", "name": f"Organisation {number}", **fields}
    )
    db.session.add(organisation)
    db.session.flush()
    return organisation


def make_membership(
    coalition: Organisation,
    member: Organisation,
    status: MembershipStatus = MembershipStatus.ACTIVE,
) -> CoalitionMembership:
    """`member` in `coalition`, accepted unless another status is given."""
    membership = CoalitionMembership(coalition_id=coalition.id, member_id=member.id, status=status)
    db.session.add(membership)
    db.session.flush()
    return membership


def make_petition(recipients: list[dict[str, Any]] | None = None, **fields: Any) -> Petition:
    number = next(_sequence)
    if "organisation" not in fields:
        fields["organisation"] = make_organisation()
    petition = Petition(
        **{
            "slug": f"petition-{number}",
            "title": f"Petition {number}",
            "summary": "A short summary.",
            "story": "The story.\n\nIts second paragraph.",
            "letter_body": "Please act.",
            "status": PetitionStatus.OPEN,
            "goal": 100,
            "allowed_origins": [],
            **fields,
        }
    )
    if recipients is None:
        recipients = [
            {
                "name": "Nguyễn Phú Trọng",
                "title": "State President",
                "salutation": "Your Excellency,",
            }
        ]
    petition.recipients = [Recipient(position=i, **spec) for i, spec in enumerate(recipients)]
    db.session.add(petition)
    db.session.flush()
    return petition


def make_translation(petition: Petition, language: str = "vi", **fields: Any) -> PetitionText:
    """The petition's texts in another language (Vietnamese unless told)."""
    text = PetitionText(
        **{
            "language": language,
            "title": f"{petition.title} ({language})",
            "summary": f"Tóm tắt ({language})",
            "story": "Câu chuyện.",
            "letter_body": "Xin hãy hành động.",
            "letter_closing": "Trân trọng,",
            **fields,
        }
    )
    petition.translations.append(text)
    db.session.flush()
    return text


def make_sponsor(petition: Petition, organisation: Organisation) -> PetitionSponsor:
    sponsorship = PetitionSponsor(
        organisation_id=organisation.id, position=len(petition.sponsorships)
    )
    petition.sponsorships.append(sponsorship)
    db.session.flush()
    return sponsorship


def make_signature(petition: Petition, **fields: Any) -> Signature:
    number = next(_sequence)
    email = fields.pop("email", f"signer{number}@example.org")
    signature = Signature(
        **{
            "petition": petition,
            "name": f"Signer {number}",
            "email": email,
            "email_canonical": email.lower(),
            "country": "VN",
            "city": "Huế",
            "consent": True,
            "status": SignatureStatus.CONFIRMED,
            **fields,
        }
    )
    db.session.add(signature)
    db.session.flush()
    return signature


def make_pending_signature(petition: Petition, **fields: Any) -> Signature:
    return make_signature(petition, **{"status": SignatureStatus.PENDING, **fields})


def signature_input(email: str, **fields: Any) -> SignatureInput:
    """What validation hands the sign service for a signer with this email (consent given)."""
    from petition_service.signatures.validation import SignatureInput, canonical_email

    return SignatureInput(
        name=fields.get("name", "Signer"),
        email=email,
        email_canonical=canonical_email(email),
        country=fields.get("country", "VN"),
        city=fields.get("city", ""),
        consent=True,
        wants_updates=fields.get("wants_updates", False),
        display=fields.get("display"),
    )


def sign_petition(petition: Petition, email: str, **fields: Any) -> Signature:
    """Sign through the real sign service, as the form and the API do: a new pending
    signature or the existing one for a repeat, its mail, one commit, then the nudge."""
    from petition_service.mail.outbox import kick
    from petition_service.signatures import service

    result = service.sign_petition(
        petition,
        signature_input(email, **fields),
        client_hash="test-client",
        language=fields.get("language", "en"),
    )
    db.session.commit()
    kick()
    return db.session.get(Signature, result.signature_id)


STAFF_PASSWORD = "correct horse battery staple"


def make_staff_user(organisation: Organisation | None = None, **fields: Any) -> StaffUser:
    number = next(_sequence)
    password = fields.pop("password", STAFF_PASSWORD)
    user = StaffUser(
        **{
            "organisation": organisation or make_organisation(),
            "email": f"staff{number}@example.org",
            "name": f"Staff {number}",
            "password_hash": hash_password(password),
            "role": StaffRole.ADMIN,
            **fields,
        }
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_api_token(user: StaffUser, name: str = "") -> str:
    """A new token for `user`; returns the secret, as the CLI prints it."""
    return issue_token_for(user, name).secret


def make_batch(petition: Petition, **fields: Any) -> Batch:
    """A batch row without freezing or rendering anything (for sweeps and staff pages)."""
    batch = Batch(
        **{
            "petition": petition,
            "mode": BatchMode.LETTERS,
            "status": BatchStatus.DONE,
            "snapshot": {},
            "signature_count": 0,
            "progress_done": 0,
            "progress_total": 0,
            **fields,
        }
    )
    db.session.add(batch)
    db.session.flush()
    return batch
