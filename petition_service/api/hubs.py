"""The API's organisations and coalitions.

Routes here join the API blueprint (imported by create_app), so they share its CORS,
CSRF exemption and read limit."""

from __future__ import annotations

from spectree import Response

from ..i18n import current_language
from ..organisations import service as organisations
from .openapi import spec
from .schemas import Error, OrganisationDetail
from .views import bp, read_limit


@bp.get("/organisations/<slug>")
@read_limit
@spec.validate(
    resp=Response(HTTP_200=OrganisationDetail, HTTP_404=Error, HTTP_429=Error),
    skip_validation=True,
    tags=["organisations"],
)
def get_organisation(slug: str):
    """A public organisation or coalition: its members and its petitions with their counts."""
    return organisations.organisation_document(slug, current_language())
