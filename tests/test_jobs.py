from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from flask import current_app

from petition_service import jobs
from tests.conftest import REDIS_URL
from tests.servers import migrate, service_environment, worker_process

ran_in = {}
done = threading.Event()


@jobs.task()
def record_app_name(marker: str) -> None:
    ran_in[marker] = (current_app.name, threading.current_thread().name)
    done.set()


def test_immediate_mode_runs_the_task_at_once_inside_the_app(app):
    with app.app_context():
        record_app_name("immediate")
    assert ran_in["immediate"][0] == app.name


def test_embedded_consumer_runs_tasks_in_a_background_thread(embedded_queue):
    done.clear()
    jobs.start_embedded_consumer(workers=1)
    record_app_name("embedded")
    assert done.wait(timeout=10), "the in-process consumer never ran the task"
    app_name, thread_name = ran_in["embedded"]
    assert thread_name != threading.current_thread().name


def _nice_of(pid: int) -> int:
    # /proc/PID/stat: the 19th field is the nice value (the 2nd, the name, has no spaces here).
    return int(Path(f"/proc/{pid}/stat").read_text().split()[18])


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set: `flask worker` needs Redis")
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize(("setting", "expected_steps"), [("7", 7), ("0", 0)])
def test_flask_worker_yields_the_cpu_to_web_processes_by_worker_nice(
    tmp_path, setting, expected_steps
):
    database = f"sqlite:///{tmp_path}/jobs.db"
    migrate(database, tmp_path)
    env = service_environment(database, tmp_path, REDIS_URL=REDIS_URL, WORKER_NICE=setting)
    started_at = os.nice(0)
    with worker_process(env) as worker:
        deadline = time.monotonic() + 20
        # The worker lowers its priority once the app is loaded, before consuming.
        while _nice_of(worker.pid) == started_at and expected_steps and time.monotonic() < deadline:
            assert worker.poll() is None, "flask worker exited"
            time.sleep(0.2)
        time.sleep(0.5 if expected_steps else 5)
        assert worker.poll() is None
        assert _nice_of(worker.pid) == min(started_at + expected_steps, 19)
