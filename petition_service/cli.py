"""`flask` commands for operators. Where a command makes something, its id or secret is
the last line of output, so scripts can take it with `tail -n 1`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .extensions import db

demo_cli = AppGroup("demo", help="Demo data for trying the service.")
org_cli = AppGroup("org", help="Campaign organisations.")
staff_cli = AppGroup("staff", help="Staff accounts and API tokens.")


def init_app(app: Flask) -> None:
    for group in (demo_cli, org_cli, staff_cli):
        app.cli.add_command(group)
    app.cli.add_command(worker)


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


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
    click.echo(
        f'Embed snippet:  <div data-petition="{slug}"></div>'
        f'<script src="{base}/embed.js" async></script>'
    )
    click.echo(f"Staff login:    {base}/staff/login")
    click.echo(f"  email:    {result.staff_email}")
    click.echo(f"  password: {result.staff_password}")


@org_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The organisation's display name.")
@click.option("--parent", "parent_slug", help="The coalition this group is a member of.")
def org_create(slug: str, name: str, parent_slug: str | None) -> None:
    """Create an organisation; prints its slug."""
    from .staff.service import StaffError, create_organisation

    try:
        organisation = create_organisation(slug, name, parent_slug)
    except StaffError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(f"Created organisation {organisation.name!r}.")
    click.echo(organisation.slug)


@staff_cli.command("create")
@click.argument("email")
@click.option("--org", "org_slug", required=True, help="Slug of the staff member's organisation.")
@click.option("--role", type=click.Choice(["admin", "staff"]), default="staff", show_default=True)
def staff_create(email: str, org_slug: str, role: str) -> None:
    """Create a staff member; the password is read from a prompt or stdin."""
    from .staff.models import StaffRole
    from .staff.service import StaffError, create_staff_user

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        user = create_staff_user(email, org_slug, password, StaffRole(role))
    except StaffError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email} in {org_slug}.")
    click.echo(user.email)


@staff_cli.command("token")
@click.argument("email")
@click.option("--name", default="", help="A label to tell this token apart from others.")
def staff_token(email: str, name: str) -> None:
    """Issue a new API token for a staff member; it is shown only this once."""
    from .staff.service import StaffError, issue_api_token

    try:
        issued = issue_api_token(email, name)
    except StaffError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo("Use it as 'Authorization: Bearer <token>'. It is not shown again.", err=True)
    click.echo(issued.secret)


@staff_cli.command("revoke-token")
@click.argument("prefix")
def staff_revoke_token(prefix: str) -> None:
    """Revoke an API token, named by the prefix shown on the staff tokens page."""
    from .staff.service import StaffError, revoke_api_token_by_prefix

    try:
        token = revoke_api_token_by_prefix(prefix)
    except StaffError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(f"Revoked the token {token.prefix}… of {token.staff_user.email}.")
    click.echo(token.prefix)


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
    jobs.run_worker(threads)
