"""A Celery worker killed (SIGKILL) in the middle of a task: the task is redelivered to the next
worker and completes; nothing is left half-done forever.

Exports are not on this branch yet, so a test-only task (tests/production/tasks.py) stands in
for a render: its first run takes a minute, so it is surely running when the worker dies.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest
import redis

from bench.servers import Process, server_env, start_celery_worker

from .harness import LOG_DIR, pid_tag, wait_until

pytestmark = pytest.mark.redis

VISIBILITY_TIMEOUT = 2  # seconds; production's default is 900 (CELERY_VISIBILITY_TIMEOUT)


def test_tasks_are_acknowledged_late_and_redelivered_if_a_worker_dies():
    from opmodel.celery import app

    assert app.conf.task_acks_late is True  # acknowledged when done, not when taken
    assert app.conf.task_reject_on_worker_lost is True  # a dead child's task is requeued
    assert app.conf.worker_prefetch_multiplier == 1  # a worker holds no tasks it is not running
    assert app.conf.broker_transport_options["visibility_timeout"] >= 300


@pytest.fixture
def worker_env(procs_redis_url, tmp_path) -> Iterator[dict[str, str]]:
    prefix = f"opmodel-procs-{pid_tag()}"
    env = server_env(f"sqlite:///{tmp_path / 'worker.sqlite3'}", procs_redis_url, prefix)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.production.worker_settings",
            "CELERY_QUEUE": prefix,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "OPMODEL_VAR_DIR": str(tmp_path),
            "LOG_LEVEL": "INFO",
        }
    )
    env.pop("CI", None)
    yield env
    client = redis.Redis.from_url(procs_redis_url)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)


def _worker(env: dict[str, str], name: str) -> Process:
    return start_celery_worker(
        env, LOG_DIR / f"killed-{name}.log", queue=env["CELERY_QUEUE"], hostname=f"{name}@%h"
    )


def test_a_task_of_a_sigkilled_worker_is_redelivered_and_completes(worker_env):
    from celery import Celery

    key = f"{worker_env['CELERY_QUEUE']}:trace"
    trace = redis.Redis.from_url(worker_env["REDIS_URL"])
    app = Celery("opmodel-tests", broker=worker_env["REDIS_URL"], set_as_current=False)
    first = _worker(worker_env, "first")
    second = None
    try:
        app.send_task(
            "tests.production.slow_render", args=[key, 60], queue=worker_env["CELERY_QUEUE"]
        )
        wait_until(
            lambda: trace.llen(key) >= 1,
            timeout=30,
            what=f"the first worker started the task\n{first.log_tail()}",
        )
        first.kill(signal.SIGKILL)  # the worker and its pool child, mid-task
        assert not first.alive()
        time.sleep(VISIBILITY_TIMEOUT + 0.5)
        assert trace.lrange(key, 0, -1)[-1].startswith(b"start")  # not done, and nobody at it

        second = _worker(worker_env, "second")
        wait_until(
            lambda: trace.lrange(key, -1, -1) == [b"done"],
            timeout=45,
            what=f"the task was redelivered and completed\n{second.log_tail()}",
        )
        runs = trace.lrange(key, 0, -1)
        assert [r.split()[0] for r in runs] == [b"start", b"start", b"done"], runs
    finally:
        for process in (first, second):
            if process is not None:
                process.kill(signal.SIGKILL)
        app.close()
