"""PAdES signing and offline verification, and the instance's own key pair."""

import io
import os

from petition_service.letters.assemble import render_batch_pdf
from petition_service.letters.signing import (
    ensure_self_signed_pair,
    generate_self_signed_pair,
    sign_pdf,
    verify_pdf,
)
from tests.letters.helpers import CTX, RECIPIENTS, signer


def _unsigned():
    out = io.BytesIO()
    render_batch_pdf(CTX, RECIPIENTS[0], [signer(1, "Trần Thị Nga")], 1, "letters", out)
    return out.getvalue()


def test_sign_and_verify_bytes(keypair):
    key, cert = keypair
    data = _unsigned()
    assert not verify_pdf(data, cert).ok  # unsigned
    signed = sign_pdf(data, key, cert)
    assert signed.startswith(data)  # incremental update keeps the original bytes
    v = verify_pdf(signed, cert)
    assert v.ok and v.signer_common_name == "Petition Service Test Signer"
    bad = bytearray(signed)
    bad[len(data) // 2] ^= 0x20
    v2 = verify_pdf(bytes(bad), cert)
    assert not v2.ok and not v2.intact


def test_other_certificate_is_not_trusted(keypair, tmp_path):
    key, cert = keypair
    signed = sign_pdf(_unsigned(), key, cert)
    other_key, other_cert = tmp_path / "k2.pem", tmp_path / "c2.pem"
    generate_self_signed_pair(other_key, other_cert, "Someone Else")
    v = verify_pdf(signed, other_cert)
    assert v.intact and not v.trusted and not v.ok


def test_key_file_permissions(keypair):
    import os
    import stat

    key, _ = keypair
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600


def test_instance_pair_is_made_once_even_by_racing_processes(tmp_path):
    import threading

    target = tmp_path / "signing"
    barrier = threading.Barrier(4)
    results = []

    def make():
        barrier.wait()
        key, cert = ensure_self_signed_pair(target, "petition-service demo")
        results.append((key.read_bytes(), cert.read_bytes()))

    threads = [threading.Thread(target=make) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and len(set(results)) == 1  # everyone signs with one pair
    assert sorted(p.name for p in target.iterdir()) == ["cert.pem", "key.pem"]
    assert not [p for p in tmp_path.iterdir() if p.name != "signing"]  # no staging left
    assert oct(os.stat(target / "key.pem").st_mode & 0o777) == oct(0o600)
