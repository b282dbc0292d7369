"""Background jobs of the signature lifecycle: the privacy sweeps (signatures/retention.py),
which also purge unconfirmed signatures past their time.

Imported by create_app, which so registers the sweep with the queue in every process (web
processes with the embedded consumer, and `flask worker`). Idempotent: a run finds what is
due now and erases it.
"""

from __future__ import annotations

import logging

from huey import crontab

from .. import jobs
from .retention import run_privacy_sweeps

log = logging.getLogger(__name__)


# Every ten minutes: client hashes are erased within ten minutes of their time, unconfirmed
# signatures within ten minutes of PENDING_SIGNATURE_TTL_HOURS.
@jobs.periodic_task(crontab(minute="*/10"))
def sweep_personal_data() -> None:
    report = run_privacy_sweeps()
    log.info("privacy sweep: %s", "; ".join(report.lines()))
