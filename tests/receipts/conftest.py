from __future__ import annotations

import pytest

from petition_service.extensions import db
from tests.mail.conftest import smtp, smtp_down, smtp_port  # noqa: F401
from tests.receipts.helpers import Rendered, render_a_batch
from tests.staff.conftest import member  # noqa: F401


@pytest.fixture
def storage_root(app, tmp_path, monkeypatch):
    """Batch files in this test's own folder (ids restart after each test's cleanup)."""
    root = tmp_path / "batches"
    monkeypatch.setitem(app.config, "BATCH_STORAGE_PATH", str(root))
    return root


@pytest.fixture
def rendered(app, storage_root) -> Rendered:
    with app.app_context():
        result = render_a_batch()
        db.session.remove()
    return result
