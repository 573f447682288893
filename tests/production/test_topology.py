"""The production topology as OS processes: two uvicorn web processes and a Celery worker on
PostgreSQL and Redis (what docker-compose.yml runs, without Docker). An edit made through one
web process reaches a browser streaming from the other; one workshop room spans both."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
import redis

from bench.servers import start_celery_worker

from .harness import LOG_DIR, Stack, app_env, pid_tag, seed, start_web, stream, wait_until

# One module, one worker (scripts/test: --dist loadfile), so its processes start once per run.
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.xdist_group("topology")]

REVISION = re.compile(r'name="revision" value="(\d+)"')


@pytest.fixture(scope="module")
def stack(dedicated_database, procs_redis_url, tmp_path_factory) -> Iterator[Stack]:
    prefix = f"opmodel-procs-{pid_tag()}"
    env = app_env(dedicated_database, procs_redis_url, prefix, tmp_path_factory.mktemp("media"))
    the_stack = Stack(env=env, data=seed(env))
    try:
        worker_env = {**env, "DJANGO_SETTINGS_MODULE": "tests.production.worker_settings"}
        the_stack.workers.append(
            start_celery_worker(
                worker_env, LOG_DIR / "topology-worker.log", queue=prefix, hostname=f"{prefix}@%h"
            )
        )
        the_stack.web = start_web(env, 2, "topology")
        yield the_stack
    finally:
        the_stack.stop()


def test_an_edit_through_one_web_process_reaches_a_stream_on_the_other(stack):
    a, b = stack.web
    url = f"/m/{stack.slug}/s/{stack.data['stages_slug']}/{stack.data['stage']}/edit/"
    with stream(b.base, stack.model_events(), stack.data["cookies"]["viewer"]) as browser:
        assert browser.status == 200
        browser.wait_for("hello")
        with stack.client("editor", a) as editor:
            form = editor.get(url, params={"field": "outcome"})
            assert form.status_code == 200
            match = REVISION.search(form.text)
            assert match, form.text[:500]
            revision = int(match.group(1))
            saved = editor.post(
                url,
                params={"field": "outcome"},
                data={"outcome": "Changed through web process A", "revision": revision},
            )
            assert saved.status_code == 200, saved.text[:500]
        got = browser.wait_for(
            "change", lambda d: d["id"] == stack.data["stage"] and d["section"] == "canvas.stages"
        )
        assert got["revision"] == revision + 1
        assert got["actor"] == "editor"
    # The browser re-fetches what the event names: B serves the new row.
    with stack.client("viewer", b) as viewer:
        detail = viewer.get(f"/m/{stack.slug}/s/{stack.data['stages_slug']}/{stack.data['stage']}/")
        assert "Changed through web process A" in detail.text


def test_two_web_processes_share_one_workshop_room(stack):
    a, b = stack.web
    cookies = stack.data["cookies"]
    participant_id = stack.data["user_ids"]["participant"]
    with stream(a.base, stack.room_events(), cookies["facilitator"]) as facilitator:
        facilitator.wait_for("hello")
        with stream(b.base, stack.room_events(), cookies["participant"]) as participant:
            participant.wait_for("hello")
            # presence written on B is heard on A
            facilitator.wait_for(
                "room", lambda d: "presence" in d["parts"] and d["actor_id"] == participant_id
            )
            text = f"A note posted on B {uuid.uuid4().hex[:6]}"
            with stack.client("participant", b) as client:
                posted = client.post(
                    f"/m/{stack.slug}/workshops/{stack.workshop}/notes/",
                    data={"kind": "idea", "text": text},
                )
                assert posted.status_code == 200, posted.text[:500]
            facilitator.wait_for(
                "room", lambda d: "notes" in d["parts"] and d["actor_id"] == participant_id
            )
            with stack.client("facilitator", a) as client:
                focused = client.post(
                    f"/m/{stack.slug}/workshops/{stack.workshop}/control/focus/",
                    data={"section": "canvas.stages"},
                )
                assert focused.status_code == 200, focused.text[:500]
                notes = client.get(f"/m/{stack.slug}/workshops/{stack.workshop}/room/notes/")
                assert text in notes.text  # A shows what was written on B
            participant.wait_for("room", lambda d: d.get("focus") == "canvas.stages")


def test_the_worker_process_runs_tasks_from_the_deployments_queue(stack):
    from celery import Celery

    key = f"{stack.env['OPMODEL_EVENTS_PREFIX']}:task-trace"
    client = redis.Redis.from_url(stack.env["REDIS_URL"])
    app = Celery("opmodel-tests", broker=stack.env["REDIS_URL"], set_as_current=False)
    try:
        app.send_task(
            "tests.production.slow_render", args=[key, 0], queue=stack.env["CELERY_QUEUE"]
        )
        wait_until(
            lambda: b"done" in client.lrange(key, 0, -1),
            timeout=30,
            what=f"the worker ran the task\n{stack.workers[0].log_tail()}",
        )
    finally:
        client.delete(key)
        app.close()
    export_round_trip(stack)


def export_round_trip(stack: Stack) -> None:
    """A PDF asked for on web process A is rendered by the worker (not by a web process) and
    downloaded from web process B: media is shared as the compose file shares its volume."""
    a, b = stack.web
    with stack.client("editor", a) as editor:
        asked = editor.post(f"/m/{stack.slug}/exports/new/", data={"kind": "picture"})
        assert asked.status_code == 200, asked.text[:500]
    match = re.search(r'id="export-(\d+)"', asked.text)
    assert match, asked.text[:500]
    export_id = int(match.group(1))
    download = f"/m/{stack.slug}/exports/{export_id}/download/"
    with stack.client("editor", b) as editor:
        wait_until(
            lambda: download in editor.get(f"/m/{stack.slug}/exports/{export_id}/").text,
            timeout=60,
            what=f"the worker rendered the PDF\n{stack.workers[0].log_tail()}",
        )
        pdf = editor.get(download)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    # The worker rendered it: its log names the task, the web processes' logs do not.
    assert "export_render" in stack.workers[0].log_tail()
