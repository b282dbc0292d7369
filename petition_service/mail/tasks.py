"""Background jobs of double opt-in: sending outbox mail and expiring unconfirmed signatures.

Imported by create_app, which so registers these tasks with the queue in every process:
web processes with the embedded consumer, and `flask worker`.
Every task re-reads the database and is idempotent; the queue only nudges. (Each task runs
in its own app context, whose teardown closes its database session.)
"""

from __future__ import annotations

import logging

from huey import crontab

from .. import jobs
from ..extensions import db
from . import sender

log = logging.getLogger(__name__)


@jobs.task()
def send_due_mail_task() -> None:
    """Nudged by `outbox.kick()` after a commit that queued mail."""
    sender.send_due_mail()


@jobs.task()
def deliver_outbox_message(outbox_id: int) -> None:
    """The delayed retry of one row; a no-op when the sweep got there first."""
    sender.deliver(outbox_id)


@jobs.periodic_task(jobs.every_minute)
def sweep_outbox() -> None:
    """Sends what is due, including retries whose nudge was lost in a restart and rows whose
    worker died mid-send."""
    sender.send_due_mail()


@jobs.periodic_task(crontab(minute="*/10"))
def purge_pending_signatures() -> None:
    """Deletes unconfirmed signatures past PENDING_SIGNATURE_TTL_HOURS with their data."""
    from ..signatures.lifecycle import purge_expired_pending

    purged = purge_expired_pending()
    db.session.commit()
    if purged:
        log.info("purged %d unconfirmed signatures past their time", purged)
