"""Live events: small messages on a per-model channel, fanned out to streaming clients.

Without ``REDIS_URL`` an in-process broadcaster delivers events inside one process. With it,
events are published to Redis and every process holds ONE pattern subscription, fanned out to
its local subscribers (redis-py's asyncio pool stops at 100 connections, so one subscription
per client would fail at the 101st).

Events are published after the transaction commits, so nobody re-fetches a row that is not
there yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)


# Told to streams when live events cannot be delivered (Redis is away): the stream passes it on
# and ends, the browser polls, and its reconnects find out when events flow again.
POLL: dict[str, Any] = {"type": "poll", "reason": "Live updates are paused; refreshing regularly."}


@dataclass(eq=False)
class Subscription:
    """One streaming client's queue, bound to the event loop it reads from."""

    channel: str
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=lambda: asyncio.Queue(1000))

    def deliver(self, message: dict[str, Any]) -> None:
        # A closed loop means the client is gone.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self._put, message)

    def _put(self, message: dict[str, Any]) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            # A client that does not read loses events; it resyncs when it reconnects.
            log.warning("dropping live event for a slow client on %s", self.channel)

    async def get(self, timeout: float) -> dict[str, Any] | None:
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None


class Broadcaster:
    """In-process fan-out. Thread-safe: publish from any thread, read from any event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[Subscription]] = {}

    def subscribe(self, channel: str) -> Subscription:
        subscription = Subscription(channel, asyncio.get_running_loop())
        with self._lock:
            self._subscribers.setdefault(channel, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            subscribers = self._subscribers.get(subscription.channel)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._subscribers[subscription.channel]

    def subscriber_count(self, channel: str | None = None) -> int:
        with self._lock:
            if channel is not None:
                return len(self._subscribers.get(channel, ()))
            return sum(len(s) for s in self._subscribers.values())

    def deliver_local(self, channel: str, message: dict[str, Any]) -> None:
        with self._lock:
            subscribers = list(self._subscribers.get(channel, ()))
        for subscription in subscribers:
            subscription.deliver(message)

    def deliver_all(self, message: dict[str, Any]) -> None:
        """Deliver ``message`` to every local subscriber, whatever its channel."""
        with self._lock:
            subscribers = [s for subs in self._subscribers.values() for s in subs]
        for subscription in subscribers:
            subscription.deliver(message)

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        self.deliver_local(channel, message)

    @property
    def healthy(self) -> bool:
        return True

    async def wait_ready(self, timeout: float = 2.0) -> bool:
        """Wait (without blocking the loop) until events published now will be delivered."""
        deadline = time.monotonic() + timeout
        while not self.healthy:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True


class RedisBroadcaster(Broadcaster):
    """Publishes to Redis; one listener thread per process feeds the local subscribers."""

    def __init__(self, url: str) -> None:
        super().__init__()
        import redis

        self._url = url
        self._redis = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self._listener: threading.Thread | None = None
        self._listening = threading.Event()
        self._stop = threading.Event()
        # Shown by Redis's CLIENT LIST: which process holds which listening connection.
        self.client_name = f"opmodel-events-{os.getpid()}-{id(self):x}"

    def subscribe(self, channel: str) -> Subscription:
        self._ensure_listener()
        return super().subscribe(channel)

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        try:
            self._redis.publish(channel, json.dumps(message))
        except Exception:
            log.warning("Redis publish failed; delivering %s locally only", channel, exc_info=True)
            self.deliver_local(channel, message)

    @property
    def healthy(self) -> bool:
        return self._listening.is_set()

    def _ensure_listener(self) -> None:
        with self._lock:
            if self._listener is None or not self._listener.is_alive():
                self._listener = threading.Thread(
                    target=self._listen, name="opmodel-redis-events", daemon=True
                )
                self._listener.start()

    def _listen(self) -> None:
        import redis

        backoff = 0.2
        while not self._stop.is_set():
            pubsub = None
            try:
                client = redis.Redis.from_url(
                    self._url,
                    socket_connect_timeout=2,
                    health_check_interval=10,
                    client_name=self.client_name,
                )
                pubsub = client.pubsub()
                pubsub.psubscribe(f"{settings.OPMODEL_EVENTS_PREFIX}:model:*")
                backoff = 0.2
                while not self._stop.is_set():
                    item = pubsub.get_message(timeout=1.0)
                    if item is None:
                        continue
                    if item.get("type") == "psubscribe":
                        self._listening.set()  # Redis confirmed: from now on nothing is missed
                        continue
                    if item.get("type") != "pmessage":
                        continue
                    channel = item["channel"].decode()
                    try:
                        message = json.loads(item["data"])
                    except ValueError:
                        continue
                    self.deliver_local(channel, message)
            except Exception:
                self._listening.clear()
                log.warning("Redis event listener lost its connection; retrying", exc_info=True)
                # Events from other processes no longer arrive: tell every open stream, so the
                # browsers poll until Redis is back instead of showing a room that is stale.
                self.deliver_all(POLL)
                time.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                if pubsub is not None:
                    with contextlib.suppress(Exception):
                        pubsub.close()

    def close(self) -> None:
        self._stop.set()


_broadcaster: Broadcaster | None = None
_broadcaster_lock = threading.Lock()


def broadcaster() -> Broadcaster:
    """The process-wide broadcaster, chosen by ``REDIS_URL``."""
    global _broadcaster
    with _broadcaster_lock:
        if _broadcaster is None:
            url = getattr(settings, "REDIS_URL", "")
            _broadcaster = RedisBroadcaster(url) if url else Broadcaster()
        return _broadcaster


def set_broadcaster(new: Broadcaster | None) -> Broadcaster | None:
    """Swap the process-wide broadcaster (tests, and settings changes). Returns the old one."""
    global _broadcaster
    with _broadcaster_lock:
        old, _broadcaster = _broadcaster, new
    return old


def publish_on_commit(channel: str, message: dict[str, Any]) -> None:
    """Publish ``message`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: broadcaster().publish(channel, message))


def part_event(
    *,
    channel: str,
    section: str,
    part_id: int | None,
    revision: int | None,
    action: str,
    actor: User | None,
) -> None:
    """Announce a change of one row: the browsers re-fetch what it names, and the model's
    webhooks hear of it in their next "model changed" batch."""
    from .registry import user_label
    from .services.webhooks import change_note

    model_id = channel.rpartition(":model:")[2]  # OperatingModel.channel
    if model_id.isdigit():
        change_note(
            operating_model_id=int(model_id),
            section=section,
            part_id=part_id,
            action=action,
            actor=user_label(actor),
        )
    publish_on_commit(
        channel,
        {
            "type": "change",
            "section": section,
            "id": part_id,
            "revision": revision,
            "action": action,
            "actor": user_label(actor),
            "actor_id": getattr(actor, "pk", None),
        },
    )
