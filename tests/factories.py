"""Small factories with keyword defaults; each adds to the session and flushes."""

from __future__ import annotations

import itertools
from typing import Any

from petition_service.extensions import db
from petition_service.models import (
    Batch,
    BatchMode,
    BatchStatus,
    Organisation,
    Petition,
    PetitionStatus,
    Recipient,
    Signature,
    SignatureStatus,
)

_sequence = itertools.count(1)


def make_organisation(**fields: Any) -> Organisation:
    number = next(_sequence)
    organisation = Organisation(
        **{"slug": f"org-{number}", "name": f"Organisation {number}", **fields}
    )
    db.session.add(organisation)
    db.session.flush()
    return organisation


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


def make_batch(petition: Petition, **fields: Any) -> Batch:
    """A batch row as it stands after a freeze, without freezing anything (for sweeps)."""
    batch = Batch(
        **{
            "petition": petition,
            "mode": BatchMode.LETTERS,
            "status": BatchStatus.QUEUED,
            "snapshot": {},
            **fields,
        }
    )
    db.session.add(batch)
    db.session.flush()
    return batch
