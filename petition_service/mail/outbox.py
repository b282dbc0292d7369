"""Placeholder until the outbox lands (issue 4): the sign service calls these names."""

from __future__ import annotations

from ..signatures.models import Signature


def queue_signature_mail(signature: Signature, *, repeat: bool) -> None:
    return None


def kick() -> None:
    return None
