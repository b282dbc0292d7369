"""Every model, imported in one place so Alembic and the shell see the whole schema."""

from .letters.models import Batch, BatchDocument, BatchMail, BatchMode, BatchStatus
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
from .signatures.models import (
    LinkPurpose,
    Signature,
    SignatureLink,
    SignatureStatus,
    Submission,
    SubmissionSignature,
)
from .staff.models import ApiToken, StaffRole, StaffUser
from .updates.models import PetitionUpdate, UpdateDelivery, UpdateKind

__all__ = [
    "ApiToken",
    "Batch",
    "BatchDocument",
    "BatchMail",
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
    "PetitionUpdate",
    "PetitionText",
    "Photo",
    "Recipient",
    "LinkPurpose",
    "Signature",
    "SignatureLink",
    "SignatureStatus",
    "StaffRole",
    "StaffUser",
    "Submission",
    "SubmissionSignature",
    "UpdateDelivery",
    "UpdateKind",
]
