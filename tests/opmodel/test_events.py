from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import threading
import time

import httpx
import pytest
from django.conf import settings

from canvas.models import Stage
from opmodel import events, services
from opmodel.registry import registry
from tests.conftest import session_cookie

pytestmark = pytest.mark.engine  # threads and database connections differ per engine


def test_the_in_process_broadcaster_delivers_to_subscribers_of_the_channel_only():
    hub = events.Broadcaster()

    async def scenario():
        mine = hub.subscribe("opmodel:model:1")
        other = hub.subscribe("opmodel:model:2")
        # publish from another thread, as a sync view would
        threading.Thread(target=hub.publish, args=("opmodel:model:1", {"n": 1})).start()
        got = await mine.get(timeout=2)
        missed = await other.get(timeout=0.2)
        hub.unsubscribe(mine)
        hub.unsubscribe(other)
        return got, missed

    got, missed = asyncio.run(scenario())
    assert got == {"n": 1} and missed is None
    assert hub.subscriber_count() == 0


CHANNEL = f"{settings.OPMODEL_EVENTS_PREFIX}:model:7"


@pytest.mark.redis
def test_the_redis_broadcaster_fans_one_subscription_out_to_many_clients(redis_url):
    import redis

    hub = events.RedisBroadcaster(redis_url)
    publisher = events.RedisBroadcaster(redis_url)  # as if another process
    server = redis.Redis.from_url(redis_url)

    def hub_connections() -> list[dict]:
        # Other test workers share this Redis: count only the connections this hub opened.
        return [c for c in server.client_list() if c.get("name") == hub.client_name]

    async def scenario():
        subs = [hub.subscribe(CHANNEL) for _ in range(150)]
        deadline = time.monotonic() + 5
        while not hub.healthy and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        connections = hub_connections()
        publisher.publish(CHANNEL, {"hello": "world"})
        got = await asyncio.gather(*(s.get(timeout=3) for s in subs))
        for s in subs:
            hub.unsubscribe(s)
        return got, connections

    try:
        got, connections = asyncio.run(scenario())
    finally:
        hub.close()
    assert got == [{"hello": "world"}] * 150
    # one pattern subscription for the whole process, not one per client
    assert len(connections) == 1
    assert connections[0]["psub"] == "1" and connections[0]["sub"] == "0"


def _listen(url: str, cookies: dict[str, str], out: queue.Queue, stop: threading.Event) -> None:
    with (
        contextlib.suppress(httpx.HTTPError),
        httpx.Client(cookies=cookies, timeout=httpx.Timeout(10, read=30)) as client,
        client.stream("GET", url) as response,
    ):
        out.put(("status", response.status_code, response.headers.get("content-type")))
        name = None
        for line in response.iter_lines():
            if stop.is_set():
                return
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                out.put((name, json.loads(line[6:])))


def _wait_for(out: queue.Queue, name: str, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            item = out.get(timeout=0.2)
        except queue.Empty:
            continue
        if item[0] == name:
            return item
    raise AssertionError(f"no {name!r} event within {timeout}s")


def _sse_sees_another_users_change(server: str, om, people) -> dict:
    out: queue.Queue = queue.Queue()
    stop = threading.Event()
    url = f"{server}/m/{om.slug}/events/"
    thread = threading.Thread(
        target=_listen, args=(url, session_cookie(people["viewer"]), out, stop), daemon=True
    )
    thread.start()
    status = _wait_for(out, "status")
    assert status[1] == 200 and status[2].startswith("text/event-stream")
    _wait_for(out, "hello")
    stage = Stage.objects.filter(operating_model=om).first()
    services.part_update(
        section=registry.get("canvas.stages"),
        part=stage,
        revision=1,
        actor=people["editor"],
        data={"name": "Live rename"},
    )
    change = _wait_for(out, "change")[1]
    stop.set()
    thread.join(timeout=5)
    return change


@pytest.mark.django_db(transaction=True)
def test_an_sse_client_receives_another_users_change_in_process(
    asgi_server, local_broadcaster, om, people
):
    change = _sse_sees_another_users_change(asgi_server, om, people)
    stage = Stage.objects.get(name="Live rename")
    assert change["section"] == "canvas.stages" and change["id"] == stage.pk
    assert change["revision"] == 2 and change["action"] == "updated"
    assert change["actor"] == people["editor"].username


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_an_sse_client_receives_another_users_change_through_redis(
    asgi_server, redis_broadcaster, om, people
):
    change = _sse_sees_another_users_change(asgi_server, om, people)
    assert change["section"] == "canvas.stages" and change["action"] == "updated"


@pytest.mark.django_db(transaction=True)
def test_the_stream_is_closed_to_outsiders(asgi_server, local_broadcaster, om, people):
    url = f"{asgi_server}/m/{om.slug}/events/"
    response = httpx.get(url, cookies=session_cookie(people["outsider"]), timeout=30)
    assert response.status_code == 404
    anonymous = httpx.get(url, timeout=30, follow_redirects=False)
    assert anonymous.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_disconnected_client_releases_its_subscription(
    asgi_server, local_broadcaster, om, people
):
    out: queue.Queue = queue.Queue()
    stop = threading.Event()
    url = f"{asgi_server}/m/{om.slug}/events/"
    cookies = session_cookie(people["viewer"])
    with (
        httpx.Client(cookies=cookies, timeout=10) as client,
        client.stream("GET", url) as response,
    ):
        # Keep a reference to the line iterator: a finalised iterator closes the connection.
        lines = response.iter_lines()
        for line in lines:
            if line.startswith("event: hello"):
                break
        assert local_broadcaster.subscriber_count(om.channel) == 1
        lines.close()
    deadline = time.monotonic() + 5
    while local_broadcaster.subscriber_count(om.channel) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert local_broadcaster.subscriber_count(om.channel) == 0
    stop.set()
    assert out.empty()
