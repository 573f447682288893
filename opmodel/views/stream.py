"""The live event stream (server-sent events), served by async views under ASGI."""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Callable

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

from opmodel import events
from opmodel.access import get_model_for


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


@releasing_connections
def _check(request: HttpRequest, slug: str):
    if not request.user.is_authenticated:
        raise Http404("No such operating model")
    operating_model, _access = get_model_for(request.user, slug)
    return operating_model


def format_event(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


# When live events cannot flow (Redis is away) a stream says "poll" and ends; the browser polls
# and reconnects after this long, and stays connected once events flow again.
POLL_RETRY_MS = 5000


def poll_event() -> str:
    """The last words of a stream that cannot deliver live events: poll, try again later."""
    return f"retry: {POLL_RETRY_MS}\n" + format_event("poll", events.POLL)


async def model_stream(request: HttpRequest, slug: str) -> HttpResponseBase:
    """Stream the model's live events; a comment every few seconds keeps proxies open."""
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    operating_model = await sync_to_async(_check)(request, slug)
    heartbeat = settings.OPMODEL_SSE_HEARTBEAT_SECONDS
    hub = events.broadcaster()

    async def stream() -> AsyncIterator[str]:
        subscription = hub.subscribe(operating_model.channel)
        try:
            if not await hub.wait_ready():
                yield poll_event()
                return
            # retry: how long the browser waits before reconnecting after a drop.
            yield "retry: 2000\n" + format_event("hello", {"model": operating_model.slug})
            while True:
                message = await subscription.get(timeout=heartbeat)
                if message is None:
                    yield ": keep-alive\n\n"
                    continue
                if message is events.POLL:
                    yield poll_event()
                    return
                yield format_event(message.get("type", "change"), message)
        finally:
            hub.unsubscribe(subscription)

    response = StreamingHttpResponse(stream(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx and friends: do not buffer the stream
    return response
