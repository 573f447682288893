"""Exports through a real Celery worker and Redis: a worker subprocess renders the PDF from the
database it shares with the test (SQLite file or PostgreSQL), progress travels over Redis, and
a task that fails records its error where the page shows it.

Marked ``redis``: skipped locally without Redis, failed in CI (``require``). Each run uses its
own Redis database (12, not the live-event tests' 15) and its own queue name, so parallel runs
never take each other's tasks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse

from opmodel import events
from opmodel.models import Export
from opmodel.services import release_publish
from opmodel.services.exports import export_dispatch
from tests.conftest import require
from tests.exports.conftest import celery_broker

pytestmark = [pytest.mark.engine, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

EXPORTS_REDIS_URL = os.environ.get("REDIS_EXPORTS_TEST_URL", "redis://127.0.0.1:6379/12")
ROOT = Path(django_settings.BASE_DIR)


def _database_url() -> str:
    """The test database, as the worker process must reach it."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{db['NAME']}"


@pytest.fixture(scope="module")
def worker_process(django_db_setup, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """One Celery worker for the module's tests (starting one costs seconds of CPU: Django and
    Celery imported, the app set up), on a queue of its own; each test clears its database."""
    try:
        import redis

        redis.Redis.from_url(EXPORTS_REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:
        require(False, f"Redis not reachable at {EXPORTS_REDIS_URL}: {exc}")
    queue = f"opmodel-test-exports-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    directory = tmp_path_factory.mktemp("worker")
    media = directory / "media"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "opmodel.settings",
        "OPMODEL_ENV": "test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": EXPORTS_REDIS_URL,
        "OPMODEL_EXPORTS_QUEUE": queue,
        "OPMODEL_EVENTS_PREFIX": django_settings.OPMODEL_EVENTS_PREFIX,
        "MEDIA_ROOT": str(media),
    }
    log = directory / "worker.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "opmodel", "worker", "-Q", queue]
            + ["--pool", "solo", "--concurrency", "1", "--loglevel", "warning"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat"]
            + ["-n", f"{queue}@%h"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield {"queue": queue, "log": log, "process": process, "media": media}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        redis.Redis.from_url(EXPORTS_REDIS_URL).delete(queue)


@pytest.fixture
def worker(settings, worker_process) -> Iterator[dict[str, Any]]:
    """This process set up as the worker's web process: the same queue, Redis and media."""
    settings.MEDIA_ROOT = worker_process["media"]
    settings.REDIS_URL = EXPORTS_REDIS_URL
    settings.OPMODEL_EXPORTS_RUN = "celery"
    settings.OPMODEL_EXPORTS_QUEUE = worker_process["queue"]
    broker = celery_broker(EXPORTS_REDIS_URL)
    broker.__enter__()
    hub = events.RedisBroadcaster(EXPORTS_REDIS_URL)
    old_hub = events.set_broadcaster(hub)
    try:
        yield worker_process
    finally:
        hub.close()
        events.set_broadcaster(old_hub)
        broker.__exit__(None, None, None)


def _wait(export_id: int, until: set[str], worker: dict[str, Any], timeout: float = 120) -> list:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = Export.objects.filter(pk=export_id).values_list("status", flat=True).get()
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in until:
            return seen
        if worker["process"].poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError(f"export {export_id}: {seen}; worker log:\n{worker['log'].read_text()}")


def test_a_worker_renders_a_release_picture_queued_rendering_done(worker, om, people, client_for):
    import redis

    release = release_publish(operating_model=om, actor=people["facilitator"], title="v1")
    listener = redis.Redis.from_url(EXPORTS_REDIS_URL).pubsub()
    listener.subscribe(om.channel)
    listener.get_message(timeout=2)  # the subscription's confirmation
    client = client_for(people["viewer"])
    response = client.post(reverse("export-new", args=[om.slug]), {"kind": "picture", "release": 1})
    assert response.status_code == 302
    export = Export.objects.get(release=release, kind="picture")
    seen = _wait(export.pk, {"done", "failed"}, worker)
    assert seen[-1] == "done", worker["log"].read_text()
    statuses = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and "done" not in statuses:
        message = listener.get_message(timeout=0.5)
        if message and message["type"] == "message":
            data = json.loads(message["data"])
            if data.get("type") == "export" and data["id"] == export.pk:
                statuses.append(data["status"])
    listener.close()
    # the request announced it queued; the worker, that it rendered (with progress) and is done
    assert statuses[0] == "queued" and statuses[-1] == "done"
    assert statuses.count("rendering") >= 2
    export.refresh_from_db()
    assert export.progress == 100 and export.pages == 1 and export.attempts == 1
    download = client.get(reverse("export-download", args=[om.slug, export.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    page = client.get(reverse("exports", args=[om.slug])).content.decode()
    assert "Download PDF" in page


def test_a_task_that_fails_records_the_error_and_the_page_says_so(worker, om, people, client_for):
    # A workshop summary of a workshop that is gone by the time the worker gets to it.
    export = Export.objects.create(
        operating_model=om, kind="workshop", subject_id=987654, requested_by=people["editor"]
    )
    export_dispatch(export.pk)
    seen = _wait(export.pk, {"done", "failed"}, worker)
    assert seen[-1] == "failed"
    export.refresh_from_db()
    assert export.error.startswith("LookupError: no workshop 987654")
    page = client_for(people["editor"]).get(reverse("exports", args=[om.slug])).content.decode()
    assert "Failed: LookupError: no workshop 987654" in page
    assert reverse("export-retry", args=[om.slug, export.pk]) in page
