from __future__ import annotations

import threading

from flask import current_app

from petition_service import jobs

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
