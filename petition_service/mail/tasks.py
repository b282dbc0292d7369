"""Background jobs of the outbox: sending what is due (the retry of one row is
`sender.deliver_outbox_message`).

Imported by create_app, which so registers these tasks with the queue in every process:
web processes with the embedded consumer, and `flask worker`.
Every task re-reads the database and is idempotent; the queue only nudges. (Each task runs
in its own app context, whose teardown closes its database session.)
"""

from __future__ import annotations

from .. import jobs
from . import sender


@jobs.task()
def send_due_mail_task() -> None:
    """Nudged by `outbox.kick()` after a commit that queued mail."""
    sender.send_due_mail()


@jobs.periodic_task(jobs.every_minute)
def sweep_outbox() -> None:
    """Sends what is due, including retries whose nudge was lost in a restart and rows whose
    worker died mid-send."""
    sender.send_due_mail()
