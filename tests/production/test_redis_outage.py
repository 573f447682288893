"""Redis stops during a live workshop, and comes back.

The machine's shared Redis is never touched: the web processes run on a private redis-server
started here, which the test kills (SIGKILL) and restarts on the same port. Pages, edits and
logins keep working while it is away (publishing is logged, not raised), streams tell the
browsers to poll and end, and once Redis is back a reconnecting stream stays open and live
events flow again. Every note written meanwhile is there.
"""

from __future__ import annotations

import shutil
import signal
import uuid
from collections.abc import Iterator

import httpx
import pytest

from bench.servers import Process, free_port, start_redis, wait_redis
from tests.conftest import require

from .harness import LOG_DIR, Stack, Stream, app_env, pid_tag, seed, start_web, wait_until

# One module, one worker (scripts/test: --dist loadfile), so its processes start once per run.
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.xdist_group("redis-outage")]


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: Process | None = None

    def start(self) -> None:
        self.process = start_redis(self.port, LOG_DIR / f"redis-{self.port}.log")
        wait_redis(self.port)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill(signal.SIGKILL)


@pytest.fixture(scope="module")
def redis_server() -> Iterator[PrivateRedis]:
    require(shutil.which("redis-server") is not None, "needs redis-server on the PATH")
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture(scope="module")
def stack(dedicated_database, redis_server, tmp_path_factory) -> Iterator[Stack]:
    prefix = f"opmodel-procs-{pid_tag()}"
    env = app_env(dedicated_database, redis_server.url, prefix, tmp_path_factory.mktemp("media"))
    the_stack = Stack(env=env, data=seed(env))
    try:
        the_stack.web = start_web(env, 2, "redis-outage")
        yield the_stack
    finally:
        the_stack.stop()


def _add_note(stack: Stack, server: Process, text: str) -> None:
    with stack.client("participant", server) as client:
        response = client.post(
            f"/m/{stack.slug}/workshops/{stack.workshop}/notes/",
            data={"kind": "idea", "text": text},
        )
    assert response.status_code == 200, response.text[:500]


def _notes(stack: Stack, server: Process) -> str:
    with stack.client("facilitator", server) as client:
        response = client.get(f"/m/{stack.slug}/workshops/{stack.workshop}/room/notes/")
    assert response.status_code == 200
    return response.text


def _open_live_stream(stack: Stack, server: Process, timeout: float) -> Stream:
    """Reconnect as a browser does until a stream stays open (says hello, not poll)."""
    cookie = stack.data["cookies"]["facilitator"]
    found: list[Stream] = []

    def attempt() -> bool:
        s = Stream(server.base, stack.room_events(), cookie)
        try:
            name, _data = s.events.get(timeout=5)
        except Exception:
            s.close()
            return False
        if name == "hello":
            found.append(s)
            return True
        s.close()
        return False

    wait_until(attempt, timeout, "a live stream stays open after Redis came back", step=0.5)
    return found[0]


def test_redis_stopping_mid_workshop_loses_nothing_and_live_updates_resume(stack, redis_server):
    a, b = stack.web
    run = uuid.uuid4().hex[:6]
    cookie = stack.data["cookies"]["facilitator"]
    browser = Stream(b.base, stack.room_events(), cookie)
    try:
        browser.wait_for("hello")
        _add_note(stack, a, f"before {run}")
        browser.wait_for("room", lambda d: "notes" in d["parts"])  # live through Redis

        redis_server.kill()
        # The open stream tells the browser to poll, and ends.
        poll = browser.wait_for("poll", timeout=10)
        assert "paused" in poll["reason"]
        assert browser.ended.wait(5)
        assert browser.retry_ms is not None and browser.retry_ms >= 2000
    finally:
        browser.close()

    # While Redis is away: edits and pages work, and a new stream says "poll" at once.
    during = [f"during {run} {i}" for i in range(3)]
    for i, text in enumerate(during):
        _add_note(stack, stack.web[i % 2], text)
    with stack.client("facilitator", b, htmx=False) as client:
        assert client.get(f"/m/{stack.slug}/workshops/{stack.workshop}/room/").status_code == 200
        assert client.get(f"/m/{stack.slug}/canvas/").status_code == 200
    with httpx.Client(base_url=a.base, timeout=10) as anonymous:  # login: throttling uses Redis
        page = anonymous.get("/accounts/login/")
        token = anonymous.cookies["csrftoken"]
        login = anonymous.post(
            "/accounts/login/",
            data={"login": "viewer", "password": "pw-123456", "csrfmiddlewaretoken": token},
        )
        assert page.status_code == 200 and login.status_code == 302, login.text[:300]
    notes = _notes(stack, b)  # what a polling browser sees
    assert all(text in notes for text in during)
    again = Stream(b.base, stack.room_events(), cookie)
    try:
        again.wait_for("poll", timeout=10)
        assert again.ended.wait(5)
    finally:
        again.close()
    assert "Redis publish failed" in (a.log_tail(400) + b.log_tail(400))  # logged, not raised

    # Redis returns on the same port: a reconnecting stream stays open and events flow again.
    redis_server.start()
    browser = _open_live_stream(stack, b, timeout=30)
    try:
        after = f"after {run}"
        _add_note(stack, a, after)
        browser.wait_for("room", lambda d: "notes" in d["parts"], timeout=10)
    finally:
        browser.close()
    notes = _notes(stack, a)
    assert all(text in notes for text in [f"before {run}", *during, after])  # nothing lost
