"""Every model, imported in one place so Alembic and the shell see the whole schema."""

from .letters.models import Batch, BatchDocument, BatchMode, BatchStatus
from .mail.models import OutboxMessage, OutboxStatus
from .petitions.models import (
    CaseStatus,
    CoalitionMembership,
    MembershipStatus,
    Organisation,
    Petition,
    PetitionSponsor,
    PetitionStatus,
    PetitionText,
    Photo,
    Recipient,
)
from .signatures.models import Signature, SignatureStatus
from .staff.models import ApiToken, StaffRole, StaffUser

__all__ = [
    "ApiToken",
    "Batch",
    "BatchDocument",
    "BatchMode",
    "BatchStatus",
    "CaseStatus",
    "CoalitionMembership",
    "MembershipStatus",
    "Organisation",
    "OutboxMessage",
    "OutboxStatus",
    "Petition",
    "PetitionSponsor",
    "PetitionStatus",
    "PetitionText",
    "Photo",
    "Recipient",
    "Signature",
    "SignatureStatus",
    "StaffRole",
    "StaffUser",
]
