"""PostgreSQL connection lost for a moment: a real loss, not a mock.

The web process reaches PostgreSQL through a TCP proxy in this test (the shared server is never
stopped). Cutting the proxy drops every pooled connection and refuses new ones; requests then
get the friendly 503 page (with Retry-After), not a traceback, and succeed once it returns.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from .harness import (
    CuttableProxy,
    Stack,
    app_env,
    pid_tag,
    seed,
    start_web,
    wait_until,
    with_port,
)

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("database-outage")]


@pytest.fixture(scope="module")
def proxy(postgres_url) -> Iterator[CuttableProxy]:
    parts = urlsplit(postgres_url)
    the_proxy = CuttableProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    try:
        yield the_proxy
    finally:
        the_proxy.close()


@pytest.fixture(scope="module")
def stack(dedicated_database, proxy, tmp_path_factory) -> Iterator[Stack]:
    env = app_env(
        dedicated_database, "", f"opmodel-procs-{pid_tag()}", tmp_path_factory.mktemp("m")
    )
    data = seed(env)  # directly, not through the proxy
    env["DATABASE_URL"] = with_port(dedicated_database, "127.0.0.1", proxy.port)
    the_stack = Stack(env=env, data=data)
    try:
        the_stack.web = start_web(env, 1, "database-outage")
        yield the_stack
    finally:
        the_stack.stop()


def _assert_friendly_503(response) -> None:
    body = response.text
    assert response.status_code == 503, (response.status_code, body[:500])
    assert response.headers["Retry-After"] == "5"
    assert "Back in a moment" in body
    assert "Traceback" not in body and "OperationalError" not in body


def test_a_lost_database_gives_the_friendly_503_and_requests_succeed_once_it_returns(stack, proxy):
    (web,) = stack.web
    canvas = f"/m/{stack.slug}/canvas/"
    notes = f"/m/{stack.slug}/workshops/{stack.workshop}/notes/"
    with stack.client("participant", web, htmx=False) as browser:
        assert browser.get(canvas).status_code == 200  # the pool holds live connections now

        proxy.cut()
        started = time.monotonic()
        _assert_friendly_503(browser.get(canvas))
        _assert_friendly_503(browser.post(notes, data={"kind": "idea", "text": "while away"}))
        _assert_friendly_503(browser.get(canvas))  # the pool cannot connect either
        _assert_friendly_503(browser.get(stack.model_events()))  # the live stream too
        assert time.monotonic() - started < 20  # each within the pool's timeout, no hanging

        proxy.restore()
        wait_until(lambda: browser.get(canvas).status_code == 200, 30, "pages work again")
        saved = browser.post(notes, data={"kind": "idea", "text": "after the blip"})
        assert saved.status_code in (200, 302), saved.text[:500]
        room = browser.get(f"/m/{stack.slug}/workshops/{stack.workshop}/room/notes/")
        assert "after the blip" in room.text and "while away" not in room.text
