"""Letters tests see no system font: an empty fontconfig, set before WeasyPrint loads.

With it, a glyph the font set lacks cannot be filled in silently by a font that happens to
be installed on this machine; the tests prove the PDFs stand on their own.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import petition_service.letters

# The renderer points fontconfig at this empty file itself; set here too, before anything
# loads WeasyPrint. Absolute: a relative path makes fontconfig fall back to its default.
EMPTY_FONTCONFIG = Path(petition_service.letters.__file__).parent / "assets" / "fonts-empty.conf"
os.environ["FONTCONFIG_FILE"] = str(EMPTY_FONTCONFIG)

# Delivering batches by email (test_delivery.py) needs the real SMTP server and a staff
# member. (Imported after the fontconfig is set, like everything that may load WeasyPrint.)
from tests.mail.conftest import smtp, smtp_down, smtp_port  # noqa: E402, F401
from tests.staff.conftest import member  # noqa: E402, F401


@pytest.fixture(scope="session")
def keypair(tmp_path_factory) -> tuple[str, str]:
    from petition_service.letters.signing import generate_self_signed_pair

    directory = tmp_path_factory.mktemp("keys")
    key, cert = directory / "key.pem", directory / "cert.pem"
    generate_self_signed_pair(key, cert, "Petition Service Test Signer")
    return str(key), str(cert)


@pytest.fixture
def storage(request, tmp_path, monkeypatch):
    """Batch files in this test's own folder (ids restart after each test's cleanup)."""
    from petition_service.letters.storage import LocalBatchStorage

    app = request.getfixturevalue("app")
    root = tmp_path / "batches"
    monkeypatch.setitem(app.config, "BATCH_STORAGE_PATH", str(root))
    return LocalBatchStorage(root)
