"""The attacks of issue 14, re-run against the service as it is now; prints one figure each.

Signing, staff and proxy attacks go to a real `gunicorn -w 2` on loopback, configured like
the README's nginx set-up (TRUSTED_PROXY_HOPS=1: this script plays the proxy and names the
client in X-Forwarded-For; addresses are documentation ranges and only header text). Batch,
mail and production attacks run in-process or through the CLI. The slowloris figure is taken
against gunicorn alone and, when Debian's nginx is installed, through nginx in front.

    .venv/bin/python bench/attacks.py [--port-base 5200]

Takes about a minute and a half (the slowloris stall is waited out once, up to 35 s).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
BIN = Path(sys.executable).parent

import requests  # noqa: E402

from petition_service.health import wait_until_healthy  # noqa: E402


def report(what: str, figure: str) -> None:
    print(f"- {what}: {figure}", flush=True)


@contextmanager
def gunicorn(env: dict[str, str], port: int):
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", is_alive=lambda: process.poll() is None)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=15)


def flask(env: dict[str, str], *args: str, stdin: str | None = None):
    return subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=REPO,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
    )


def service_env(instance: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "SIGN_", "MAIL_", "REDIS", "DATABASE"))
    }
    env.update(
        PETITION_ENV="development",  # plain-http cookies for the staff replay below
        SECRET_KEY="attack-bench-" + uuid.uuid4().hex,
        PETITION_INSTANCE_PATH=str(instance),
        PUBLIC_BASE_URL="http://petitions.example.org",
        TRUSTED_PROXY_HOPS="1",
    )
    return env


class Signer:
    """A client of the public API, as an attacker scripts it."""

    def __init__(self, base: str, slug: str) -> None:
        self.base, self.slug = base, slug
        self.token = requests.get(f"{base}/api/v1/petitions/{slug}", timeout=10).json()[
            "form_token"
        ]
        self.sent = 0

    def sign(self, address: str, *, solve: bool = False) -> int:
        self.sent += 1
        body = {
            "name": f"Fake Signer {self.sent}",
            "email": f"fake{uuid.uuid4().hex[:10]}@example.org",
            "country": "VN",
            "consent": True,
            "form_token": self.token,
        }
        headers = {"X-Forwarded-For": address}
        if solve:
            body["altcha"] = self.solution(headers)
        return requests.post(
            f"{self.base}/api/v1/petitions/{self.slug}/signatures",
            json=body,
            headers=headers,
            timeout=10,
        ).status_code

    def solution(self, headers: dict[str, str]) -> str:
        from altcha import solve_challenge_v1

        challenge = requests.get(
            f"{self.base}/api/v1/petitions/{self.slug}/challenge", headers=headers, timeout=10
        ).json()
        solved = solve_challenge_v1(
            challenge["challenge"],
            challenge["salt"],
            challenge["algorithm"],
            challenge["maxNumber"],
        )
        payload = {key: challenge[key] for key in ("algorithm", "challenge", "salt", "signature")}
        payload["number"] = solved.number
        return base64.b64encode(json.dumps(payload).encode()).decode()


def tally(statuses: list[int]) -> str:
    counts = {status: statuses.count(status) for status in sorted(set(statuses))}
    return ", ".join(f"{n} × {status}" for status, n in counts.items())


def signing_attacks(base: str, slug: str) -> None:
    signer = Signer(base, slug)
    time.sleep(3.1)  # the form token's time trap
    started = time.perf_counter()
    statuses = [signer.sign(f"2001:db8:64:1::{n:x}") for n in range(1, 61)]
    report(
        "60 signatures from 60 addresses of one IPv6 /64 (one token)",
        f"{statuses.count(202)} accepted ({tally(statuses)}) in "
        f"{time.perf_counter() - started:.2f} s",
    )
    spellings = ["2001:db8:5::1", "2001:DB8:5::1", "2001:db8:5:0:0:0:0:1"]
    statuses = [signer.sign(address) for address in spellings]
    report(
        "2001:db8:5::1 written three ways", f"{statuses.count(202)} accepted ({tally(statuses)})"
    )
    statuses = [signer.sign(address) for address in ("198.51.100.7", "::ffff:198.51.100.7")]
    report(
        "198.51.100.7 and ::ffff:198.51.100.7",
        f"{statuses.count(202)} accepted ({tally(statuses)})",
    )
    for label, addresses, solve in (
        (
            "150 /64s of one /48, no proof of work",
            [f"2001:db8:48:{n:x}::1" for n in range(150)],
            False,
        ),
        (
            "150 addresses of one IPv4 /24, no proof of work",
            [f"203.0.113.{n}" for n in range(1, 151)],
            False,
        ),
        (
            "150 /64s of another /48, each with a solved proof of work",
            [f"2001:db8:49:{n:x}::1" for n in range(150)],
            True,
        ),
    ):
        started = time.perf_counter()
        statuses = [signer.sign(address, solve=solve) for address in addresses]
        report(
            label,
            f"{statuses.count(202)} accepted ({tally(statuses)}) in "
            f"{time.perf_counter() - started:.1f} s",
        )


def staff_attacks(base: str, email: str, password: str) -> None:
    def login(session: requests.Session, secret: str, address: str) -> requests.Response:
        page = session.get(f"{base}/staff/login", timeout=10).text
        token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page).group(1)
        return session.post(
            f"{base}/staff/login",
            data={"email": email, "password": secret, "csrf_token": token},
            headers={"X-Forwarded-For": address},
            allow_redirects=False,
            timeout=30,
        )

    owner = requests.Session()
    assert login(owner, password, "192.0.2.10").status_code == 303
    csv = f"{base}/staff/petitions/free-tran-thi-nga/signatures.csv"
    before = owner.get(csv, timeout=30)
    cookie = owner.cookies.get("session")
    page = owner.get(f"{base}/staff/", timeout=10).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    owner.post(f"{base}/staff/logout", data={"csrf_token": csrf}, timeout=10)
    replay = requests.get(csv, cookies={"session": cookie}, allow_redirects=False, timeout=30)
    report(
        "the staff cookie replayed after logout",
        f"{replay.status_code} to the CSV export, {len(replay.content)} bytes "
        f"(before logout: {before.status_code}, {len(before.content)} bytes)",
    )

    statuses = [
        login(requests.Session(), "wrong password", f"198.51.100.{n % 4 + 20}").status_code
        for n in range(20)
    ]
    owner_again = login(requests.Session(), password, "192.0.2.77").status_code
    attacker_right = login(requests.Session(), password, "198.51.100.20").status_code
    report(
        "20 wrong passwords from 4 addresses, then the owner from an address that had not failed",
        f"owner {owner_again}; the 20 attempts: {tally(statuses)}; an attacking address with "
        f"the right password: {attacker_right}",
    )


def proxy_attacks(base: str, slug: str) -> None:
    page = requests.get(
        f"{base}/embed/{slug}",
        timeout=10,
        headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-For": "192.0.2.3"},
    )
    hosts = sorted(set(re.findall(r'href="https?://([^/"]+)', page.text)))
    report(
        "X-Forwarded-Host: evil.example with TRUSTED_PROXY_HOPS=1 (default headers)",
        f"the embed page's links point at {', '.join(hosts)}",
    )
    nested = requests.post(
        f"{base}/api/v1/petitions/{slug}/signatures",
        data=b"[" * 30_000,
        headers={"Content-Type": "application/json", "X-Forwarded-For": "192.0.2.4"},
        timeout=10,
    )
    report("30,000 nested brackets in a JSON body", f"{nested.status_code}")


def slowloris(port: int) -> float:
    """Seconds a plain GET waits while two connections trickle their headers."""
    sockets = []
    for _ in range(2):
        connection = socket.create_connection(("127.0.0.1", port), timeout=5)
        connection.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        sockets.append(connection)
    time.sleep(0.5)
    started = time.perf_counter()
    try:
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=35)
        waited = time.perf_counter() - started
    except requests.RequestException:
        waited = float("inf")
    for connection in sockets:
        connection.close()
    return waited


NGINX = """daemon off; worker_processes 1; pid {dir}/nginx.pid; error_log {dir}/error.log;
events {{ worker_connections 64; }}
http {{ access_log off; client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/f; uwsgi_temp_path {dir}/u; scgi_temp_path {dir}/s;
  upstream petitions {{ server 127.0.0.1:{upstream}; }}
  server {{ listen 127.0.0.1:{port}; client_max_body_size 1m;
    location / {{ proxy_pass http://petitions; proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr; proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host; }} }} }}
"""


def slowloris_attacks(port: int, nginx_port: int) -> None:
    waited = slowloris(port)
    report(
        "two slowloris connections against gunicorn -w 2 alone",
        f"a plain GET waited {waited:.1f} s (sync workers: the README requires a buffering proxy)",
    )
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        report(
            "the same through nginx",
            "skipped: nginx is not installed (apt-get install nginx-light)",
        )
        return
    folder = Path(tempfile.mkdtemp(prefix="attack-nginx-"))
    (folder / "nginx.conf").write_text(NGINX.format(dir=folder, upstream=port, port=nginx_port))
    process = subprocess.Popen(
        [nginx, "-c", str(folder / "nginx.conf"), "-p", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_healthy(
            f"http://127.0.0.1:{nginx_port}", is_alive=lambda: process.poll() is None
        )
        waited = slowloris(nginx_port)
        report(
            "the same through nginx (the README's block) in front",
            f"a plain GET waited {waited:.2f} s",
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def production_attack(instance: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PUBLIC_BASE_URL", "MAIL_SERVER", "SIGNING_KEY_FILE", "SIGNING_CERT_FILE")
    }
    env.update(PETITION_ENV="production", SECRET_KEY="x", PETITION_INSTANCE_PATH=str(instance))
    result = subprocess.run(
        [str(BIN / "gunicorn"), "-w", "1", "-b", "127.0.0.1:0", "wsgi:app"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    problems = [
        line.strip("- ").split(";")[0].split(":")[0]
        for line in result.stderr.splitlines()
        if line.strip().startswith("- ")
    ]
    report(
        "gunicorn with PETITION_ENV=production, SECRET_KEY=x and nothing else",
        f"exit {result.returncode}; refused for: {'; '.join(problems)}",
    )


def in_process_attacks(directory: Path) -> None:
    """Batches and mail, through the services, on a SQLite database of their own."""
    os.environ["FONTCONFIG_FILE"] = str(REPO / "tests" / "letters" / "fonts-empty.conf")
    import flask_migrate
    from sqlalchemy import func, select

    from petition_service.extensions import db
    from petition_service.letters.batches import (
        export_batch,
        freeze_batch,
        render_batch,
        signing_files,
    )
    from petition_service.letters.verify import verify_batch_folder
    from petition_service.mail.models import OutboxMessage
    from petition_service.models import OutboxStatus, Signature
    from petition_service.signatures.lifecycle import withdraw_signature
    from tests.conftest import make_test_app
    from tests.factories import make_petition, make_signature, sign_petition
    from tests.letters.helpers import pypdf_pages

    app = make_test_app(f"sqlite:///{directory}/inproc.db", directory / "instance")
    with app.app_context():
        flask_migrate.upgrade()
        recipients = [
            {"name": "Nguyễn Phú Trọng", "title": "State President"},
            {"name": "Nguyễn Đình Ba", "title": "Prison Director"},
        ]
        petition = make_petition(recipients=recipients)
        for name in ("Trần Thị Hoa", "Kim Ngân", "Người Rút Lại"):
            make_signature(petition, name=name)
        batch = freeze_batch(petition, "annex")
        db.session.commit()
        leaving = db.session.scalar(select(Signature.id).where(Signature.name == "Người Rút Lại"))
        withdraw_signature(leaving)
        db.session.commit()
        done = render_batch(batch.id)
        out = directory / "batch"
        export_batch(done, out)
        manifest = json.loads((out / "manifest.json").read_text())
        text = "\n".join(pypdf_pages(out / manifest["recipients"][0]["file"]))
        cert = signing_files()[1]
        behalf = re.search(r"On behalf of \d+ signers?", text).group(0)
        report(
            "a signature withdrawn between freeze and render",
            f"printed: {'yes' if 'Người Rút Lại' in text else 'no'}; "
            f'"{behalf}"; manifest '
            f"signature_count {manifest['signature_count']}, withdrawn_after_freeze "
            f"{manifest['withdrawn_after_freeze']}; batch verify: "
            f"{len(verify_batch_folder(out, cert))} problems",
        )

        def tampered(name, change):
            folder = directory / name
            shutil.copytree(out, folder)
            copy = json.loads((folder / "manifest.json").read_text())
            change(folder, copy)
            (folder / "manifest.json").write_text(json.dumps(copy, ensure_ascii=False, indent=2))
            return verify_batch_folder(folder, cert)

        def removed(folder, copy):
            (folder / copy["recipients"][1]["file"]).unlink()
            del copy["recipients"][1]

        other = make_petition(recipients=recipients)
        for name in ("Other One", "Other Two"):
            make_signature(other, name=name)
        other_batch = freeze_batch(other, "annex")
        db.session.commit()
        other_out = directory / "other"
        export_batch(render_batch(other_batch.id), other_out)
        other_file = (
            other_out
            / json.loads((other_out / "manifest.json").read_text())["recipients"][0]["file"]
        )

        def swapped(folder, copy):
            shutil.copyfile(other_file, folder / copy["recipients"][0]["file"])
            copy["recipients"][0]["sha256"] = hashlib.sha256(other_file.read_bytes()).hexdigest()

        for label, change in (
            ("a manifest with a changed count", lambda f, c: c.update(signature_count=300)),
            ("a manifest with one recipient and its PDF removed", removed),
            ("another batch's PDF swapped in with its hash updated", swapped),
        ):
            problems = tampered(label.replace(" ", "-"), change)
            report(f"batch verify on {label}", f"{len(problems)} problems: " + " | ".join(problems))

        # The mail cap: two mails an hour per address, across petitions.
        petitions = [make_petition() for _ in range(3)]
        db.session.commit()
        for target in petitions:
            sign_petition(target, "victim@example.org")
        sent = db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.SENT)
        )
        for target in petitions:
            sign_petition(target, "victim@example.org")  # repeats
        waiting = db.session.scalars(
            select(OutboxMessage.next_attempt_at).where(
                OutboxMessage.status == OutboxStatus.PENDING
            )
        ).all()
        report(
            "three first confirmations to one address within an hour (cap 2), then 3 repeats",
            f"{sent} of 3 confirmations sent at once; repeats: {len(waiting)} delayed, "
            f"none dropped",
        )
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port-base", type=int, default=5200)
    options = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="attacks-"))
    env = service_env(directory / "instance")
    assert flask(env, "db", "upgrade").returncode == 0
    demo = flask(env, "demo", "load")
    email = re.search(r"email:\s+(\S+)", demo.stdout).group(1)
    password = re.search(r"password:\s+(\S+)", demo.stdout).group(1)
    port = options.port_base
    with gunicorn(env, port) as base:
        print("Signing (default limits, SIGN_CHALLENGE=surge):")
        signing_attacks(base, "free-tran-thi-nga")
        print("Staff:")
        staff_attacks(base, email, password)
        print("Proxy and input:")
        proxy_attacks(base, "free-tran-thi-nga")
        slowloris_attacks(port, options.port_base + 1)
    print("Production, batches, mail:")
    production_attack(directory / "production")
    in_process_attacks(directory)
    shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
