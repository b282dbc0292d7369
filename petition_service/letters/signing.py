"""PAdES (baseline B-B) signing and offline verification with pyHanko.

* Keys/certificates are PEM files.  :func:`generate_self_signed_pair` makes a
  self-signed ECDSA P-256 pair for tests and development.
* Signing is an incremental update: the original bytes are kept and the
  signature covers the whole file.  :func:`sign_pdf_file_inplace` appends to
  an open ``r+b`` file, so a large PDF is never copied into memory.
* Verification uses the given certificate as the only trust root and never
  fetches anything over the network (no OCSP/CRL/AIA).
"""

from __future__ import annotations

import datetime
import errno
import functools
import io
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


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
def _load_signer(key_pem_path: str, cert_pem_path: str, _mtimes: tuple):
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load(key_pem_path, cert_pem_path, key_passphrase=None)
    if signer is None:
        raise ValueError(
            f"could not load signing key/certificate from {key_pem_path}, {cert_pem_path}"
        )
    return signer


def _signer(key_pem_path, cert_pem_path):
    k, c = os.fspath(key_pem_path), os.fspath(cert_pem_path)
    return _load_signer(k, c, (os.stat(k).st_mtime_ns, os.stat(c).st_mtime_ns))


def _meta(reason: str | None, location: str | None):
    from pyhanko.sign import fields, signers

    return signers.PdfSignatureMetadata(
        field_name="PetitionBatchSignature",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )


def sign_pdf_file_inplace(
    fp: BinaryIO,
    key_pem_path,
    cert_pem_path,
    *,
    reason: str | None = None,
    location: str | None = None,
) -> None:
    """Sign the PDF in the open, seekable, readable+writable file ``fp`` in place."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    fp.seek(0)
    writer = IncrementalPdfFileWriter(fp, strict=True)
    signers.sign_pdf(
        writer, _meta(reason, location), signer=_signer(key_pem_path, cert_pem_path), in_place=True
    )
    fp.flush()


def sign_pdf(
    data: bytes,
    key_pem_path,
    cert_pem_path,
    *,
    reason: str | None = None,
    location: str | None = None,
) -> bytes:
    """Return ``data`` with a PAdES B-B signature appended (incremental update)."""
    buf = io.BytesIO(data)
    sign_pdf_file_inplace(buf, key_pem_path, cert_pem_path, reason=reason, location=location)
    return buf.getvalue()


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


def verify_pdf(data: bytes, cert_pem_path) -> VerificationResult:
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
