"""`manifest.json` signed like the PDFs: a detached CMS signature with the batch key.

The manifest lists every file of a batch with its SHA-256, so its signature is what makes the
whole folder prove itself: without it, anyone could edit a count or swap a file and update
the hash beside it. `manifest.json.sig` is a DER CMS SignedData (RFC 5652) over the exact
bytes of `manifest.json`, made by pyHanko with the key that signs the PDFs; check it with
`flask batch verify`, or with OpenSSL:

    openssl cms -verify -binary -inform DER -in manifest.json.sig -content manifest.json \
        -CAfile cert.pem -purpose any
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

SIGNATURE_SUFFIX = ".sig"


def sign_detached(
    data: bytes, key_pem_path: str | os.PathLike, cert_pem_path: str | os.PathLike
) -> bytes:
    """The DER CMS SignedData (detached, SHA-256) of `data`."""
    from .signing import _signer

    signer = _signer(key_pem_path, cert_pem_path)
    content_info = asyncio.run(
        signer.async_sign_general_data(data, "sha256", detached=True, use_cades=True)
    )
    return content_info.dump()


@dataclass(frozen=True)
class DetachedCheck:
    ok: bool
    problem: str = ""


def verify_detached(
    data: bytes, signature: bytes, cert_pem_path: str | os.PathLike
) -> DetachedCheck:
    """Whether `signature` is a valid CMS signature of exactly `data` by the certificate in
    `cert_pem_path` (the only trust root; nothing is fetched)."""
    from asn1crypto import cms
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
    from pyhanko_certvalidator import ValidationContext

    try:
        content_info = cms.ContentInfo.load(signature)
        if content_info["content_type"].native != "signed_data":
            return DetachedCheck(False, "not a CMS signed-data structure")
        signed_data = content_info["content"]
        root = load_cert_from_pemder(os.fspath(cert_pem_path))
        context = ValidationContext(
            trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail"
        )
        status = asyncio.run(
            async_validate_detached_cms(data, signed_data, signer_validation_context=context)
        )
    except Exception as exc:  # a garbled signature file is a failed check, not a crash
        return DetachedCheck(False, f"unreadable signature ({type(exc).__name__}: {exc})")
    if not status.intact:
        return DetachedCheck(False, "the signed digest does not match the file")
    if not status.valid:
        return DetachedCheck(False, "the signature itself is not valid")
    if not status.trusted:
        return DetachedCheck(False, "signed by a certificate other than the trusted one")
    return DetachedCheck(True)
