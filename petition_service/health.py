"""`GET /healthz`: 200 when the database answers, for load balancers and `make run`."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable

from flask import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok"}


def wait_until_healthy(
    base_url: str, timeout: float = 30, is_alive: Callable[[], bool] | None = None
) -> None:
    """Poll `GET /healthz` until it answers 200: for the scripts and tests that start servers.
    Raises RuntimeError on timeout, or as soon as `is_alive()` says the server has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_alive is not None and not is_alive():
            raise RuntimeError(f"the server for {base_url} exited")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{base_url} did not become healthy in {timeout} s")
