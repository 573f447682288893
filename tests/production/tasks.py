"""A test-only Celery task, imported by the workers the production tests start (and only by
them: tests/production/worker_settings.py). It stands in for a long render."""

from __future__ import annotations

import socket
import time

import redis
from celery import shared_task
from django.conf import settings


@shared_task(name="tests.production.slow_render")
def slow_render(key: str, first_run_seconds: float) -> None:
    """Note each start (and which worker ran it) in a Redis list; the first run is slow.

    The list is the task's visible trace: ``start`` per delivery, ``done`` once it finished.
    Idempotent like a real render: a redelivered run simply does the work again.
    """
    client = redis.Redis.from_url(settings.REDIS_URL)
    runs = client.rpush(key, f"start {socket.gethostname()}")
    time.sleep(first_run_seconds if runs == 1 else 0.1)
    client.rpush(key, "done")
