"""Webhook retries and batches through a real Celery worker (in-process, ``start_worker``) and
Redis, delivering to real HTTP servers on loopback: a server that fails twice then succeeds, a
slow one (timeout, retried, recorded), the backoff between tries, "send again" from the page, and
a burst of 100 edits sent as one ``model.changed`` delivery per batch window (one or two when
the burst fits in a window).

Marked ``redis``: skipped locally without Redis, failed in CI (``require``). The worker consumes a
queue of its own on Redis database 8 (``REDIS_WEBHOOKS_TEST_URL``), so parallel runs never take
each other's tasks."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.urls import reverse

from opmodel.models import Webhook, WebhookDelivery
from opmodel.registry import registry
from opmodel.services import part_update, release_publish
from opmodel.services.webhooks import webhook_create
from tests.conftest import require
from tests.exports.conftest import celery_broker
from tests.webhooks.conftest import signature_ok

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("REDIS_WEBHOOKS_TEST_URL", "redis://127.0.0.1:6379/8")
BACKOFF = 0.5


@pytest.fixture
def worker(settings) -> Iterator[None]:
    from celery.contrib.testing.worker import start_worker

    from opmodel.celery import app

    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:
        require(False, f"Redis not reachable at {REDIS_URL}: {exc}")
    queue = f"opmodel-test-webhooks-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    settings.OPMODEL_WEBHOOK_QUEUE = queue
    settings.OPMODEL_WEBHOOK_BACKOFF = BACKOFF
    settings.OPMODEL_WEBHOOK_TIMEOUT = 0.5
    settings.OPMODEL_WEBHOOK_RETRIES = 3
    cache.clear()  # no batch marker left from another test
    with (
        celery_broker(REDIS_URL),
        start_worker(app, queues=[queue], perform_ping_check=False, shutdown_timeout=30),
    ):
        yield


def _delivery(webhook: Webhook, done: int = 1, timeout: float = 60) -> WebhookDelivery:
    """Wait until ``done`` deliveries of the webhook are finished (delivered or given up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        finished = webhook.deliveries.filter(finished_at__isnull=False)
        if finished.count() >= done:
            return finished.first()  # type: ignore[return-value]
        time.sleep(0.1)
    raise AssertionError(f"no finished delivery: {list(webhook.deliveries.values())}")


def _subscribe(om, people, url: str, events: list[str]) -> Webhook:
    return webhook_create(operating_model=om, actor=people["facilitator"], url=url, events=events)


def test_a_server_that_fails_twice_gets_it_on_the_third_try_after_backing_off(
    worker, small_om, people, receiver, client_for
):
    server = receiver(answers=[500, 503, 200])
    webhook = _subscribe(small_om, people, server.url, [Webhook.Event.RELEASE_PUBLISHED])
    release_publish(operating_model=small_om, actor=people["facilitator"], title="First")
    delivery = _delivery(webhook)
    assert delivery.delivered and delivery.attempts == 3 and delivery.status_code == 200
    assert len(server.received) == 3
    # the same signed delivery each time, a fresh timestamp and signature per try
    ids = {headers["X-Opmodel-Delivery"] for headers, _body in server.received}
    assert ids == {str(delivery.pk)}
    assert all(signature_ok(webhook.secret, h, b) for h, b in server.received)
    first, second, third = server.times
    assert second - first >= BACKOFF * 0.9  # backoff: BACKOFF, then twice as long
    assert third - second >= 2 * BACKOFF * 0.9
    webhook.refresh_from_db()
    assert webhook.failures == 0 and webhook.active

    # "Send again" from the deliveries page goes through the worker too
    page = client_for(people["facilitator"])
    again = page.post(reverse("webhook-delivery-again", args=[small_om.slug, delivery.pk]))
    assert again.status_code == 302
    server.wait_for(4)
    assert len(server.received) == 4
    assert json.loads(server.received[3][1]) == json.loads(server.received[0][1])
    assert _delivery(webhook, done=2).delivered


def test_a_slow_server_times_out_is_retried_and_the_tries_are_recorded(
    worker, small_om, people, receiver
):
    server = receiver(delays=[2.0])  # the first answer comes well after the 0.5 s timeout
    webhook = _subscribe(small_om, people, server.url, [Webhook.Event.RELEASE_PUBLISHED])
    release_publish(operating_model=small_om, actor=people["facilitator"], title="First")
    delivery = _delivery(webhook)
    assert delivery.delivered and delivery.attempts == 2
    assert len(server.received) == 2


def test_a_server_that_never_answers_in_time_is_recorded_as_failed(
    worker, small_om, people, receiver, settings
):
    settings.OPMODEL_WEBHOOK_RETRIES = 1
    server = receiver(delay=2.0)
    webhook = _subscribe(small_om, people, server.url, [Webhook.Event.RELEASE_PUBLISHED])
    release_publish(operating_model=small_om, actor=people["facilitator"], title="First")
    delivery = _delivery(webhook)
    assert not delivery.delivered and delivery.attempts == 2
    assert "Timeout" in delivery.error
    webhook.refresh_from_db()
    assert webhook.failures == 1


def test_a_burst_of_100_edits_is_one_or_two_model_changed_deliveries(
    worker, small_om, people, receiver, settings
):
    window = settings.OPMODEL_WEBHOOK_BATCH_SECONDS = 4
    server = receiver()
    webhook = _subscribe(small_om, people, server.url, [Webhook.Event.MODEL_CHANGED])
    section = registry.get("canvas.stages")
    row = section.model.objects.get(operating_model=small_om, name="Idea")
    started = time.monotonic()
    for n in range(100):
        row = part_update(
            section=section,
            part=row,
            revision=row.revision,
            actor=people["editor"],
            data={"name": f"Idea {n}", "description": row.description, "outcome": row.outcome},
        )
    burst = time.monotonic() - started
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        counts = [d["count"] for d in server.payloads(Webhook.Event.MODEL_CHANGED)]
        if sum(counts) >= 100:
            break
        time.sleep(0.2)
    assert sum(counts) == 100, counts  # every edit is listed, once
    # One delivery per window, whatever the machine's speed: a burst that fits in one window is
    # one or two deliveries (two when it straddles a window's end).
    assert 1 <= len(counts) <= int(burst // window) + 2, (counts, burst)
    assert all(signature_ok(webhook.secret, h, b) for h, b in server.received)
    data = server.payloads(Webhook.Event.MODEL_CHANGED)[0]
    assert data["people"] == ["editor"] and data["sections"][0]["key"] == "canvas.stages"
