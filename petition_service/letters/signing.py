"""PAdES (baseline B-B) signing and offline verification with pyHanko.

* Keys/certificates are PEM files.  :func:`generate_self_signed_pair` makes a
  self-signed ECDSA P-256 pair for tests and development.
* Batch PDFs are signed without being parsed: the streaming writer lays out the
  signature dictionary and field itself (:func:`prepare_signature` says what to
  write), then :func:`sign_written_pdf` patches /ByteRange, hashes the file in
  chunks and has pyHanko make only the CMS for that digest.  pyHanko's own PDF
  signing keeps an entry per object of the file, so memory grew with the pages.
* Verification uses the given certificate as the only trust root and never
  fetches anything over the network (no OCSP/CRL/AIA).
"""

from __future__ import annotations

import asyncio
import datetime
import errno
import functools
import hashlib
import io
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

if TYPE_CHECKING:
    from pyhanko.sign.signers import PdfSignatureMetadata, Signer

    from .pdfwriter import SignatureSlot

FIELD_NAME = "PetitionBatchSignature"
MD_ALGORITHM = "sha256"
#: Read size when hashing a written PDF: the file is never held in memory.
HASH_CHUNK = 1 << 18


def generate_self_signed_pair(
    key_path: str | os.PathLike,
    cert_path: str | os.PathLike,
    common_name: str,
    *,
    organisation: str | None = None,
    days: int = 3 * 365,
) -> None:
    """Write an unencrypted PEM private key (mode 0600) and a self-signed cert."""
    key = ec.generate_private_key(ec.SECP256R1())
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organisation:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    name = x509.Name(attrs)
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key_bytes)
    with open(cert_path, "wb") as fh:
        fh.write(cert.public_bytes(serialization.Encoding.PEM))


@functools.lru_cache(maxsize=8)
def _load_signer(key_pem_path: str, cert_pem_path: str, _mtimes: tuple) -> Signer:
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load(key_pem_path, cert_pem_path, key_passphrase=None)
    if signer is None:
        raise ValueError(
            f"could not load signing key/certificate from {key_pem_path}, {cert_pem_path}"
        )
    return signer


def _signer(key_pem_path: str | os.PathLike, cert_pem_path: str | os.PathLike) -> Signer:
    k, c = os.fspath(key_pem_path), os.fspath(cert_pem_path)
    return _load_signer(k, c, (os.stat(k).st_mtime_ns, os.stat(c).st_mtime_ns))


def _meta(reason: str | None, location: str | None) -> PdfSignatureMetadata:
    from pyhanko.sign import fields, signers

    return signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm=MD_ALGORITHM,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )


@dataclass(frozen=True)
class PreparedSignature:
    """What the PDF writer lays out for a signature, and the signer that fills it in."""

    signer: Signer
    signed_at: bytes  # /M, a PDF date: the claimed signing time (PAdES keeps it out of the CMS)
    reason: str | None
    location: str | None
    hex_digits: int  # size of the /Contents placeholder
    catalog_entries: bytes  # /Extensions (and /Version) the signature's algorithms call for


def prepare_signature(
    key_pem_path: str | os.PathLike,
    cert_pem_path: str | os.PathLike,
    *,
    reason: str | None = None,
    location: str | None = None,
) -> PreparedSignature:
    """Load the signer and work out the placeholder a PDF written for it needs.

    Done before writing, so a missing or unreadable key fails the batch at once.
    """
    signer = _signer(key_pem_path, cert_pem_path)
    now = datetime.datetime.now(datetime.UTC)
    return PreparedSignature(
        signer=signer,
        signed_at=now.strftime("D:%Y%m%d%H%M%SZ").encode(),
        reason=reason,
        location=location,
        hex_digits=_contents_hex_digits(signer),
        catalog_entries=_catalog_entries(signer),
    )


def _contents_hex_digits(signer: Signer) -> int:
    """Room for the CMS as hex, the same in every render by the same key and certificate.

    Re-rendering a batch gives the same bytes but for /M and /Contents only if this size does
    not change; an ECDSA signature's DER length varies from one signature to the next, so the
    largest it can be is counted instead of the dry run's.
    """
    dry = asyncio.run(
        signer.async_sign(
            hashlib.new(MD_ALGORITHM).digest(), MD_ALGORITHM, use_pades=True, dry_run=True
        )
    )
    size = len(dry.dump())
    cert = signer.signing_cert
    algo = signer.get_signature_mechanism_for_digest(MD_ALGORITHM).signature_algo
    if algo == "ecdsa" and cert is not None:
        raw = dry["content"]["signer_infos"][0]["signature"].native
        n = -(-cert.public_key.bit_size // 8)
        content = 2 * (n + 3)  # two INTEGERs of at most n + 1 bytes, tag and length each
        size += content + (2 if content < 128 else 3) - len(raw)
    # Hex is twice the size; then pyHanko's own margin (50 %), in case the real CMS differs
    # from the dry run's in a way not counted here, rounded up to whole KiB.
    return -(-(size * 2 * 3 // 2) // 2048) * 2048


def _catalog_entries(signer: Signer) -> bytes:
    """The developer extensions pyHanko declares for a PAdES signature by this signer.

    ESIC level 1 says the file uses PAdES structures; ISO/TS 32002 (a PDF 2.0 extension)
    says it uses ECDSA on a named curve or EdDSA.
    """
    from pyhanko.sign.signers import constants

    entries = b"/ESIC<</Type/DeveloperExtensions/BaseVersion/1.7/ExtensionLevel 1>>"
    algo = signer.get_signature_mechanism_for_digest(MD_ALGORITHM).signature_algo
    cert = signer.signing_cert
    iso32002 = algo in ("ed25519", "ed448") or (
        algo == "ecdsa"
        and cert is not None
        and cert.public_key.curve[0] == "named"
        and cert.public_key.curve[1] in constants.ISO32002_CURVE_NAMES
    )
    if not iso32002:
        return b"/Extensions<<%s>>" % entries
    entries += (
        b"/ISO_[<</Type/DeveloperExtensions/BaseVersion/2.0/ExtensionLevel 32002"
        b"/URL(https://www.iso.org/standard/45875.html)/ExtensionRevision(:2022)>>]"
    )
    return b"/Extensions<<%s>>/Version/2.0" % entries


def sign_digest(signer: Signer, digest: bytes) -> bytes:
    """The DER CMS (PAdES B-B: signing-certificate-v2, no signing time) for a digest."""
    cms = asyncio.run(signer.async_sign(digest, MD_ALGORITHM, use_pades=True))
    return cms.dump()


def _digest_ranges(fp: BinaryIO, ranges: tuple[int, ...]) -> bytes:
    md = hashlib.new(MD_ALGORITHM)
    for start, length in zip(ranges[::2], ranges[1::2], strict=True):
        fp.seek(start)
        while length > 0:
            chunk = fp.read(min(length, HASH_CHUNK))
            if not chunk:
                raise ValueError("the PDF is shorter than its /ByteRange")
            md.update(chunk)
            length -= len(chunk)
    return md.digest()


def sign_written_pdf(fp: BinaryIO, slot: SignatureSlot, prepared: PreparedSignature) -> int:
    """Sign, in place, a complete PDF whose signature dictionary is at ``slot``.

    ``fp``: the open, seekable, readable and writable file.  The signature covers every
    byte of the file but its own /Contents.  Returns the file's length.
    """
    from .pdfwriter import patch_byte_range, patch_contents

    fp.flush()
    file_len = fp.seek(0, os.SEEK_END)
    ranges = patch_byte_range(fp, slot, file_len)
    fp.flush()
    der = sign_digest(prepared.signer, _digest_ranges(fp, ranges))
    patch_contents(fp, slot, der)
    fp.flush()
    return file_len


@dataclass(frozen=True)
class VerificationResult:
    ok: bool  # intact and valid and trusted and covers the entire file
    signatures: int
    intact: bool
    valid: bool
    trusted: bool
    covers_whole_file: bool
    signer_common_name: str | None
    summary: str


def verify_pdf(data: bytes, cert_pem_path: str | os.PathLike) -> VerificationResult:
    """Validate the (single) signature of ``data`` against ``cert_pem_path``.

    The certificate is the only trust root; fetching of revocation info or
    intermediate certificates is disabled.
    """
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    root = load_cert_from_pemder(os.fspath(cert_pem_path))
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = reader.embedded_signatures
    except Exception as exc:  # unparsable file = not verified
        return VerificationResult(
            False, 0, False, False, False, False, None, f"unreadable PDF: {exc}"
        )
    if len(sigs) != 1:
        return VerificationResult(
            False,
            len(sigs),
            False,
            False,
            False,
            False,
            None,
            f"expected exactly one signature, found {len(sigs)}",
        )
    vc = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")
    try:
        status = validate_pdf_signature(sigs[0], vc)
    except Exception as exc:
        return VerificationResult(
            False, 1, False, False, False, False, None, f"validation error: {exc}"
        )
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    cn = None
    if status.signing_cert is not None:
        try:
            cn = status.signing_cert.subject.native.get("common_name")
        except Exception:
            cn = None
    ok = bool(status.intact and status.valid and status.trusted and whole)
    return VerificationResult(
        ok,
        1,
        bool(status.intact),
        bool(status.valid),
        bool(status.trusted),
        whole,
        cn,
        status.summary(),
    )


KEY_FILE_NAME = "key.pem"
CERT_FILE_NAME = "cert.pem"


def ensure_self_signed_pair(directory: str | os.PathLike, common_name: str) -> tuple[Path, Path]:
    """The pair kept in ``directory`` (``key.pem``, ``cert.pem``), generated on first use.

    Race-safe across processes: the pair is written into a private temporary folder that is
    then renamed to ``directory`` in one step. ``rename`` refuses to replace a folder that
    already holds files, so when two processes start at once the loser discards its pair and
    both sign with the winner's; a half-written key is never visible.
    """
    target = Path(directory)
    key, cert = target / KEY_FILE_NAME, target / CERT_FILE_NAME
    if key.is_file() and cert.is_file():
        return key, cert
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        generate_self_signed_pair(
            staging / KEY_FILE_NAME,
            staging / CERT_FILE_NAME,
            common_name,
            organisation="petition-service",
        )
        try:
            os.rename(staging, target)
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not (key.is_file() and cert.is_file()):
        raise RuntimeError(
            f"{target} exists but does not hold {KEY_FILE_NAME} and {CERT_FILE_NAME}"
        )
    return key, cert
