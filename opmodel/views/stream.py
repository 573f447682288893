"""The live event stream (server-sent events), served by async views under ASGI.

``event_stream`` is the one stream loop of the project: every page's stream (a model's, a
workshop room's, a share link's) is this loop with its own channels, first words, filter and
hooks for joining, staying and leaving.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

from opmodel import events
from opmodel.access import get_model_for
from opmodel.exports.rules import export_allowed


def releasing_connections[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    """``func``, then give this thread's database connections back.

    A stream lives for minutes and Django gives connections back only when the response
    closes: whatever a stream does with the database must let go of its connection at once, or
    every open stream holds one (the 5th stream of a process waits on psycopg's pool of 4, or
    the streams use up PostgreSQL's max_connections).
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        finally:
            for connection in connections.all(initialized_only=True):
                # A connection inside a transaction belongs to whoever opened it (a test run
                # in one, or a caller's atomic block): closing it would break their work.
                if not connection.in_atomic_block:
                    connection.close()

    return wrapper


def format_event(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


# When live events cannot flow (Redis is away) a stream says "poll" and ends; the browser polls
# and reconnects after this long, and stays connected once events flow again.
POLL_RETRY_MS = 5000
# How long a browser waits before reconnecting after a drop.
RETRY_MS = 2000


# Every stream of a process gets the same message object for one event: it is encoded once
# (a 400-person room would otherwise encode each event 400 times). The last few, by identity.
_encoded: list[tuple[dict[str, Any], str]] = []


def encode_once(message: dict[str, Any]) -> str:
    for seen, text in _encoded:
        if seen is message:
            return text
    text = format_event(message.get("type", "change"), message)
    _encoded.append((message, text))
    del _encoded[:-8]
    return text


def poll_event() -> str:
    """The last words of a stream that cannot deliver live events: poll, try again later."""
    return f"retry: {POLL_RETRY_MS}\n" + format_event("poll", events.POLL)


# A hook run in a worker thread with its database connection given back at once.
Hook = Callable[[], Any]


async def _run(hook: Hook | None) -> Any:
    if hook is None:
        return None
    return await sync_to_async(releasing_connections(hook))()


Select = Callable[[dict[str, Any]], dict[str, Any] | None]


class _Recheck:
    """Asks ``still_allowed`` again at most every ``every`` seconds; without it, always yes."""

    def __init__(self, still_allowed: Hook | None, every: float) -> None:
        self.still_allowed = still_allowed
        self.every = every
        self.at = 0.0

    def reset(self) -> None:
        self.at = time.monotonic()

    async def allowed(self) -> bool:
        if self.still_allowed is None or time.monotonic() - self.at < self.every:
            return True
        self.reset()
        return await _run(self.still_allowed) is not False


def _shown(message: dict[str, Any], select: Select | None) -> str | None:
    """The event text of ``message`` for this client (``None``: nothing it may see)."""
    if select is None:
        return encode_once(message)
    shown = select(message)
    if shown is None:
        return None
    if shown is message:
        return encode_once(message)  # nothing of it kept from this client: shared encoding
    return format_event(shown.get("type", "change"), shown)


async def _flow(
    sub: events.Subscription,
    *,
    heartbeat: float,
    recheck: _Recheck,
    on_idle: Hook | None,
    select: Select | None,
) -> AsyncGenerator[str]:
    """The events after hello, until the client may no longer read or must poll."""
    while True:
        message = await sub.get(timeout=heartbeat)
        if not await recheck.allowed():
            return
        if message is None:
            if await _run(on_idle) is False:
                return
            yield ": keep-alive\n\n"
        elif message is events.POLL:
            yield poll_event()
            return
        elif (text := _shown(message, select)) is not None:
            yield text


def event_stream(
    *,
    channels: list[str],
    hello: dict[str, Any],
    select: Select | None = None,
    on_open: Hook | None = None,
    on_idle: Hook | None = None,
    on_close: Hook | None = None,
    still_allowed: Hook | None = None,
) -> StreamingHttpResponse:
    """Stream the messages of ``channels`` (one queue) as server-sent events.

    ``select`` turns a message into what this client may see (``None``: nothing); ``on_open``
    runs once events flow, ``on_idle`` at every heartbeat (it may answer ``False`` to end the
    stream: the client lost its right to it), ``on_close`` when the client leaves, only if
    ``on_open`` ran. A comment every heartbeat keeps proxies from closing an idle stream.

    ``still_allowed`` asks again, while the stream lives, whether the client may still read it
    (a member removed, a share link revoked): at most every ``OPMODEL_SSE_RECHECK_SECONDS``,
    before an event is sent and at heartbeats; ``False`` ends the stream (the browser then
    reconnects and is refused).
    """
    heartbeat = min(settings.OPMODEL_SSE_HEARTBEAT_SECONDS, settings.OPMODEL_SSE_RECHECK_SECONDS)
    hub = events.broadcaster()
    recheck = _Recheck(still_allowed, settings.OPMODEL_SSE_RECHECK_SECONDS)

    async def stream() -> AsyncIterator[str]:
        subs = [hub.subscribe(channel) for channel in channels]
        for sub in subs[1:]:
            sub.queue = subs[0].queue  # one queue, fed by every channel
        opened = False
        # Everything after subscribing is inside try: a client that leaves at any point (even
        # while we wait for Redis) is unsubscribed, and its on_close runs if on_open did.
        try:
            if not await hub.wait_ready():
                yield poll_event()
                return
            await _run(on_open)
            opened = True
            recheck.reset()
            yield f"retry: {RETRY_MS}\n" + format_event("hello", hello)
            flow = _flow(
                subs[0], heartbeat=heartbeat, recheck=recheck, on_idle=on_idle, select=select
            )
            async with aclosing(flow):
                async for text in flow:
                    yield text
        finally:
            for sub in subs:
                hub.unsubscribe(sub)
            if opened:
                await _run(on_close)

    response = StreamingHttpResponse(stream(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx and friends: do not buffer the stream
    return response


def method_not_allowed(request: HttpRequest) -> HttpResponse | None:
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    return None


@releasing_connections
def _check(request: HttpRequest, slug: str):
    if not request.user.is_authenticated:
        raise Http404("No such operating model")
    return get_model_for(request.user, slug)


async def model_stream(request: HttpRequest, slug: str) -> HttpResponseBase:
    """Stream the model's live events."""
    if refused := method_not_allowed(request):
        return refused
    operating_model, access = await sync_to_async(_check)(request, slug)
    held = {"access": access}

    def still_allowed() -> bool:
        try:
            held["access"] = get_model_for(request.user, slug)[1]
        except Http404:
            return False
        return True

    def select(message: dict[str, Any]) -> dict[str, Any] | None:
        # An export's progress is news only to those who may download it.
        if message.get("type") == "export" and not export_allowed(
            held["access"],
            str(message.get("kind")),
            release=message.get("release"),
            subject_id=int(message.get("subject") or 0),
        ):
            return None
        return message

    return event_stream(
        channels=[operating_model.channel],
        hello={"model": operating_model.slug},
        select=select,
        still_allowed=still_allowed,
    )
