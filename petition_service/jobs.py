"""Background jobs on one code path, with Huey.

- Embedded default (no REDIS_URL): an in-memory queue whose consumer threads run inside each
  app process, started by its first request. No extra process to run or forget.
- Scale-out (REDIS_URL set): the queue lives in Redis and `flask worker` processes consume it.
- Tests: immediate mode, a task runs where it is enqueued.

The queue only nudges. The database is the source of truth for every job (an outbox row still
pending, a batch not yet done), every task re-reads that state and is idempotent, and periodic
sweeps re-queue work whose nudge was lost to a restart or a crash. That is why an in-memory
queue is safe for the embedded default.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, has_app_context
from huey import Huey, MemoryHuey, RedisHuey, crontab
from huey.consumer import Consumer

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
QUEUE_NAME = "petition-service"


def _make_huey() -> Huey:
    redis_url = os.environ.get("REDIS_URL", "").strip()
    if redis_url:
        return RedisHuey(QUEUE_NAME, url=redis_url, results=False)
    return MemoryHuey(QUEUE_NAME, results=False)


huey = _make_huey()
_app: Flask | None = None
_embedded_consumer: Consumer | None = None
_embedded_lock = threading.Lock()


def uses_external_queue() -> bool:
    return isinstance(huey, RedisHuey)


def _in_app_context(fn: F) -> F:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            return fn(*args, **kwargs)
        if _app is None:
            raise RuntimeError("jobs.init_app(app) was not called in this process")
        with _app.app_context():
            return fn(*args, **kwargs)

    return run  # type: ignore[return-value]


def task(**options: Any) -> Callable[[F], Any]:
    """Like `huey.task`, with the Flask app context the task needs."""

    def decorator(fn: F) -> Any:
        return huey.task(**options)(_in_app_context(fn))

    return decorator


# Every periodic sweep, so a consumer can run them all once as it starts: work orphaned by
# a process that died is picked up at once, not at the sweep's next tick.
_sweeps: list[Any] = []


def periodic_task(schedule: Any, **options: Any) -> Callable[[F], Any]:
    def decorator(fn: F) -> Any:
        task = huey.periodic_task(schedule, **options)(_in_app_context(fn))
        _sweeps.append(task)
        return task

    return decorator


def run_sweeps_now() -> None:
    """Queue every periodic sweep once (a consumer calls this as it starts)."""
    for sweep in _sweeps:
        huey.enqueue(sweep.s())


every_minute = crontab(minute="*")


class _EmbeddedConsumer(Consumer):
    """A consumer that lives in a web process: threads only, and it leaves the
    process's signal handling to the web server (Huey's own would replace it)."""

    def _set_signal_handlers(self) -> None:
        pass


def start_embedded_consumer(workers: int = 2) -> None:
    """Start this process's consumer threads once (embedded default only)."""
    global _embedded_consumer
    if uses_external_queue() or huey.immediate or _embedded_consumer is not None:
        return
    with _embedded_lock:
        if _embedded_consumer is not None:
            return
        consumer = _EmbeddedConsumer(huey, workers=workers, worker_type="thread", periodic=True)
        consumer.start()
        _embedded_consumer = consumer
        run_sweeps_now()
        log.info("started %d in-process job threads (pid %d)", workers, os.getpid())


def init_app(app: Flask) -> None:
    global _app
    _app = app
    if app.config.get("JOBS_IMMEDIATE"):
        huey.immediate = True
        return
    if not uses_external_queue() and app.config.get("JOBS_EMBEDDED_CONSUMER", True):
        # Started by the first request rather than here, so CLI commands and
        # migrations never spawn job threads, and forked servers start their own.
        app.before_request(lambda: start_embedded_consumer(app.config.get("JOBS_THREADS", 2)))


def run_worker(workers: int, nice: int = 0) -> None:
    """`flask worker`: consume the Redis queue in this process until stopped, `nice` steps
    below the priority it was started with (WORKER_NICE), so jobs yield the CPU to the web
    processes of a shared host."""
    if nice > 0:
        priority = os.nice(nice)
        log.info("worker running at nice %d", priority)
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    run_sweeps_now()
    consumer.run()
