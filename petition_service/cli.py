"""`flask` commands for operators. Where a command makes something, its id or secret is
the last line of output, so scripts can take it with `tail -n 1`."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from .extensions import db
from .signatures.retention import run_privacy_sweeps

if TYPE_CHECKING:
    from .letters.models import Batch

demo_cli = AppGroup("demo", help="Demo data for trying the service.")
org_cli = AppGroup("org", help="Campaign organisations.")
staff_cli = AppGroup("staff", help="Staff accounts and API tokens.")
batch_cli = AppGroup("batch", help="Delivery batches: signed PDF letters for the recipients.")
data_cli = AppGroup("data", help="The personal data the service keeps.")


def init_app(app: Flask) -> None:
    for group in (demo_cli, org_cli, staff_cli, batch_cli, data_cli):
        app.cli.add_command(group)
    app.cli.add_command(worker)


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@contextlib.contextmanager
def _staff_change() -> Iterator[None]:
    """Around a staff service call: its refusal (`StaffError`) is the command's error, and
    what it changed is committed."""
    from .staff.service import StaffError

    try:
        yield
    except StaffError as exc:
        _fail(str(exc))
    db.session.commit()


@demo_cli.command("load")
@click.option(
    "--signatures",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Add this many synthetic, confirmed signatures to the open demo petition.",
)
def demo_load(signatures: int) -> None:
    """Create the demo organisation, petitions and staff login (idempotent)."""
    from .demo.loader import load_demo
    from .receipts.codes import format_receipt_code

    instance_path = Path(current_app.instance_path)
    if signatures:
        with click.progressbar(
            length=signatures, label="Adding signatures", file=sys.stderr, show_pos=True
        ) as bar:
            result = load_demo(instance_path, signatures, progress=bar.update)
    else:
        result = load_demo(instance_path)
    db.session.commit()
    base = current_app.config["PUBLIC_BASE_URL"]
    slug = result.open_petition.slug
    if result.signatures_added:
        click.echo(f"Added {result.signatures_added} confirmed signatures to {slug}.")
    click.echo(f"Demo petition:  {base}/p/{slug}")
    click.echo(f"Coalition page: {base}/o/stopthecrackdownvn")
    click.echo(
        f'Embed snippet:  <div data-petition="{slug}"></div>'
        f'<script src="{base}/embed.js" async></script>'
    )
    if result.loop is not None:
        click.echo(f"Delivered:      {result.loop.receipt_url}  (its public receipt)")
        click.echo(
            f"  a signer's receipt code: {format_receipt_code(result.loop.receipt_code)}"
            f" ({result.loop.signer_name})"
        )
        if not current_app.config.get("MAIL_SERVER"):
            click.echo(f"Mail sent:      {Path(current_app.instance_path) / 'outbox'}/*.eml")
    click.echo(f"Staff login:    {base}/staff/login")
    click.echo(f"  email:    {result.staff_email}")
    click.echo(f"  password: {result.staff_password}")


@org_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The organisation's display name.")
@click.option("--parent", "parent_slug", help="The coalition this group is a member of.")
def org_create(slug: str, name: str, parent_slug: str | None) -> None:
    """Create an organisation; prints its slug."""
    from .staff.service import create_organisation

    with _staff_change():
        organisation = create_organisation(slug, name, parent_slug)
    click.echo(f"Created organisation {organisation.name!r}.")
    click.echo(organisation.slug)


@staff_cli.command("create")
@click.argument("email")
@click.option("--org", "org_slug", required=True, help="Slug of the staff member's organisation.")
@click.option("--role", type=click.Choice(["admin", "staff"]), default="staff", show_default=True)
def staff_create(email: str, org_slug: str, role: str) -> None:
    """Create a staff member; the password is read from a prompt or stdin."""
    from .staff.models import StaffRole
    from .staff.service import create_staff_user

    password = _password_from_stdin()
    with _staff_change():
        user = create_staff_user(email, org_slug, password, StaffRole(role))
    click.echo(f"Created {user.role.value} {user.email} in {org_slug}.")
    click.echo(user.email)


def _password_from_stdin() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


@staff_cli.command("set-password")
@click.argument("email")
def staff_set_password(email: str) -> None:
    """Give a staff member a new password (from a prompt or stdin); ends every session and
    API token they have."""
    from .staff.service import get_staff_user, set_password

    password = _password_from_stdin()
    with _staff_change():
        user = get_staff_user(email)
        revoked = set_password(user, password)
    click.echo(f"New password for {user.email}; every session ended, {revoked} tokens revoked.")
    click.echo(user.email)


@staff_cli.command("deactivate")
@click.argument("email")
def staff_deactivate(email: str) -> None:
    """Stop a staff member from logging in; ends every session and API token they have."""
    from .staff.service import deactivate, get_staff_user

    with _staff_change():
        user = get_staff_user(email)
        revoked = deactivate(user)
    click.echo(f"Deactivated {user.email}; every session ended, {revoked} tokens revoked.")
    click.echo(user.email)


@staff_cli.command("token")
@click.argument("email")
@click.option("--name", default="", help="A label to tell this token apart from others.")
def staff_token(email: str, name: str) -> None:
    """Issue a new API token for a staff member; it is shown only this once."""
    from .staff.service import issue_api_token

    with _staff_change():
        issued = issue_api_token(email, name)
    click.echo("Use it as 'Authorization: Bearer <token>'. It is not shown again.", err=True)
    click.echo(issued.secret)


@staff_cli.command("revoke-token")
@click.argument("prefix")
def staff_revoke_token(prefix: str) -> None:
    """Revoke an API token, named by the prefix shown on the staff tokens page."""
    from .staff.service import revoke_api_token_by_prefix

    with _staff_change():
        token = revoke_api_token_by_prefix(prefix)
    click.echo(f"Revoked the token {token.prefix}… of {token.staff_user.email}.")
    click.echo(token.prefix)


def _render_with_progress_bar(batch_id: int, total: int) -> None:
    """Render in this process with a progress bar on stderr (stdout stays for the id)."""
    from .letters.batches import render_batch

    with click.progressbar(length=total, label="Rendering", file=sys.stderr, show_pos=True) as bar:
        shown = 0

        def advance(done: int, _total: int) -> None:
            nonlocal shown
            bar.update(done - shown)
            shown = done

        render_batch(batch_id, progress=advance)


@batch_cli.command("create")
@click.argument("slug")
@click.option(
    "--mode",
    type=click.Choice(["letters", "annex"]),
    default="letters",
    show_default=True,
    help="letters: one page per signer; annex: the letter once, then a table of signers.",
)
def batch_create(slug: str, mode: str) -> None:
    """Freeze every confirmed signature not yet in a batch, render it; prints the batch id."""
    from .letters.batches import BatchError, freeze_batch
    from .petitions.models import Petition

    petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
    if petition is None:
        _fail(f"no petition {slug!r}")
    try:
        batch = freeze_batch(petition, mode)
    except BatchError as exc:
        _fail(str(exc))
    db.session.commit()
    batch_id, total = batch.id, batch.signature_count
    click.echo(f"Batch {batch_id}: {total} signatures frozen ({mode}).", err=True)
    try:
        _render_with_progress_bar(batch_id, total)
    except Exception as exc:
        _fail(
            f"rendering batch {batch_id} failed ({exc}); retry with: flask batch render {batch_id}"
        )
    click.echo(f"Rendered batch {batch_id} into {_batch_folder(batch_id)}.")
    click.echo(batch_id)


@batch_cli.command("render")
@click.argument("batch_id", type=int)
def batch_render(batch_id: int) -> None:
    """Render a batch again (after a failure); a done batch is left as it is."""
    from .letters.batches import render_batch

    batch = _batch(batch_id)
    try:
        _render_with_progress_bar(batch_id, batch.signature_count)
    except Exception as exc:
        _fail(f"rendering batch {batch_id} failed: {exc}")
    batch = render_batch(batch_id)
    click.echo(f"Batch {batch_id} is {batch.status.value}.")
    click.echo(batch_id)


def _batch(batch_id: int) -> Batch:
    from .letters.models import Batch

    batch = db.session.get(Batch, batch_id)
    if batch is None:
        _fail(f"no batch {batch_id}")
    return batch


def _batch_folder(batch_id: int) -> Path:
    from .letters.storage import batch_storage

    return batch_storage().folder(batch_id)


@batch_cli.command("export")
@click.argument("batch_id", type=int)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the PDFs and manifest.json into (created if missing).",
)
def batch_export(batch_id: int, out_dir: Path) -> None:
    """Write a batch's PDFs and manifest.json into a folder."""
    from .letters.batches import BatchError, export_batch
    from .letters.storage import StorageError

    batch = _batch(batch_id)
    try:
        written = export_batch(batch, out_dir)
    except (BatchError, StorageError) as exc:
        _fail(str(exc))
    for path in written:
        click.echo(str(path))


@batch_cli.command("send")
@click.argument("batch_id", type=int)
def batch_send(batch_id: int) -> None:
    """Mail each recipient with an email address their PDF and the manifest; prints how
    many mails went out. Run again, it sends nothing twice (a failed mail is retried)."""
    from .letters.delivery import DeliveryError, queue_batch_mail, send_queued_now

    batch = _batch(batch_id)
    try:
        report = queue_batch_mail(batch)
    except DeliveryError as exc:
        _fail(str(exc))
    db.session.commit()
    for line in report.lines:
        click.echo(f"Batch {batch_id}: {line}", err=True)
    # Sent here, at once: the queue's consumer may not run in this process. Whatever fails
    # stays in the outbox, and its retries go on in the background.
    sent, problems = send_queued_now(report.queued)
    for problem in problems:
        click.echo(f"Not sent: {problem}", err=True)
    click.echo(f"{sent} mail{'' if sent == 1 else 's'} sent for batch {batch_id}.")
    click.echo(sent)
    if problems:
        sys.exit(1)


@batch_cli.command("verify")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
def batch_verify(path: Path) -> None:
    """Check a batch folder: manifest, hashes, page counts and PDF signatures (offline)."""
    from .letters.batches import signing_files
    from .letters.verify import verify_batch_folder

    _key, cert = signing_files()
    problems = verify_batch_folder(path, cert)
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        _fail(f"{path} is NOT intact ({len(problems)} problems)")
    click.echo(f"{path}: intact, every signature valid against {cert}.")


@data_cli.command("purge")
def data_purge() -> None:
    """Run every privacy sweep now (they also run every ten minutes) and print what was
    erased: unconfirmed signatures past their time, client hashes past the rate-limit
    windows, the personal data of petitions past PERSONAL_DATA_RETENTION_DAYS, sent mail
    bodies and addresses, mail files of withdrawn signatures, expired links."""
    for line in run_privacy_sweeps().lines():
        click.echo(line)


@click.command("worker")
@click.option("--threads", type=click.IntRange(min=1), default=4, show_default=True)
def worker(threads: int) -> None:
    """Run background jobs from the Redis queue (only needed when REDIS_URL is set)."""
    from . import jobs

    if not jobs.uses_external_queue():
        _fail(
            "REDIS_URL is not set: jobs run inside the web processes, so no worker is needed. "
            "Set REDIS_URL on every app and worker host to move them to a shared queue."
        )
    jobs.run_worker(threads, nice=current_app.config["WORKER_NICE"])
