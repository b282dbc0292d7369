"""What the service leaves on disk and in its logs: the shipped gunicorn config's access log
(no client address, no link token) and the modes of the instance files."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import requests

from petition_service import create_app
from petition_service.accesslog import redact_path
from petition_service.filemodes import make_private

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Ports of this project's range for servers the tests start by hand.
PORTS = range(5400, 5500)


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 5400-5499")


def test_redact_path_keeps_no_token_and_no_query():
    assert redact_path("/confirm/AbC-123_x?lang=vi") == "/confirm/<token>"
    assert redact_path("/withdraw/AbC") == "/withdraw/<token>"
    assert redact_path("/correct/AbC") == "/correct/<token>"
    assert redact_path("/u/AbC") == "/u/<token>"
    assert redact_path("/r/AbC/check") == "/r/<token>/check"
    assert redact_path("/p/free-her/sign?embed=1") == "/p/free-her/sign"


def test_the_shipped_gunicorn_config_logs_no_address_and_no_token(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))},
        "PETITION_INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret-key",
    }
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=REPO, env=env, check=True, capture_output=True)
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
               "--workers", "1", "wsgi:app"]  # fmt: skip
    with open(log, "wb") as out:
        server = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                requests.get(f"{base}/healthz", timeout=1)
                break
            # A worker still starting on a busy machine may accept and answer late.
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.05)
        token = "Zq8" + "x" * 40
        forwarded = {"X-Forwarded-For": "198.51.100.23", "Referer": f"{base}/confirm/{token}"}
        assert requests.get(f"{base}/confirm/{token}?lang=vi", timeout=5).status_code == 400
        assert (
            requests.post(f"{base}/withdraw/{token}", headers=forwarded, timeout=5).status_code
            == 400
        )
        assert requests.get(f"{base}/u/{token}", timeout=5).status_code in (200, 400, 404)
        assert requests.get(f"{base}/healthz?who=someone@example.org", headers=forwarded,
                            timeout=5).status_code == 200  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=10)
    lines = [line for line in log.read_text().splitlines() if '"GET ' in line or '"POST ' in line]
    assert len(lines) >= 5, log.read_text()
    text = "\n".join(lines)
    assert '"GET /confirm/<token> HTTP/1.1" 400' in text
    assert '"POST /withdraw/<token> HTTP/1.1" 400' in text
    assert '"GET /healthz HTTP/1.1" 200' in text
    for secret in (token, "127.0.0.1", "198.51.100.23", "someone@example.org", "lang=vi"):
        assert secret not in text, secret


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_instance_files_are_the_owners_alone(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    (instance / "outbox").mkdir(mode=0o755)
    old_mail = instance / "outbox" / "20240101-000000-1.eml"
    old_mail.write_text("From an older release")
    old_mail.chmod(0o644)
    env = {**os.environ, "PETITION_INSTANCE_PATH": str(instance)}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.pop("SECRET_KEY", None)
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=REPO, env=env, check=True, capture_output=True)
    # A request signs nothing here, but opens the counters and writes a mail file.
    script = (
        "from wsgi import app\n"
        "with app.test_request_context('/'):\n"
        "    app.extensions['client_keyring'].current()\n"
        "from petition_service.mail.sender import _write_eml\n"
        "from types import SimpleNamespace\n"
        "from datetime import datetime, UTC\n"
        "with app.app_context():\n"
        "    _write_eml(SimpleNamespace(created_at=datetime.now(UTC), id=7), b'mail')\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, check=True)
    assert _mode(instance) == 0o700
    assert _mode(instance / "outbox") == 0o700
    files = ["petitions.db", "ratelimits.db", "secret_key"]
    files += [name for name in ("petitions.db-wal", "petitions.db-shm", "ratelimits.db-wal",
                                "ratelimits.db-shm") if (instance / name).exists()]  # fmt: skip
    for name in files:
        assert _mode(instance / name) == 0o600, name
    for mail in (instance / "outbox").glob("*.eml"):
        assert _mode(mail) == 0o600, mail.name
    assert len(list((instance / "outbox").glob("*.eml"))) == 2


def test_a_database_file_outside_the_instance_folder_is_tightened_too(tmp_path):
    database = tmp_path / "elsewhere.db"
    for path in (database, Path(f"{database}-wal")):
        path.write_bytes(b"")
        path.chmod(0o644)
    create_app(
        {"PETITION_ENV": "testing", "SECRET_KEY": "x"}, instance_path=tmp_path / "instance"
    )  # the umask is the process's from here on
    make_private(tmp_path / "instance", database)
    assert _mode(database) == 0o600 and _mode(Path(f"{database}-wal")) == 0o600
    assert os.umask(0o077) == 0o077
