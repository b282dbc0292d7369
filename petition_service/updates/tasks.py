"""The update mailing job: one step now, the next in `service.STEP` while work is left, and
a minute sweep for a mailing whose next nudge was lost (a restart, a dead worker)."""

from __future__ import annotations

import logging

from .. import jobs
from ..mail import outbox
from . import service

log = logging.getLogger(__name__)


def _step() -> None:
    result = service.mail_due_updates()
    if result.queued:
        outbox.kick()
    if result.more:
        try:
            mail_updates_task.schedule(delay=service.STEP.total_seconds())
        except Exception:
            log.exception("could not schedule the next mailing step; the sweep will run it")


@jobs.task()
def mail_updates_task() -> None:
    _step()


@jobs.periodic_task(jobs.every_minute)
def sweep_update_mailings() -> None:
    _step()
