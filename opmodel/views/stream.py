"""The live event stream (server-sent events), served by async views under ASGI."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

from opmodel import events
from opmodel.access import get_model_for


def _check(request: HttpRequest, slug: str):
    try:
        if not request.user.is_authenticated:
            raise Http404("No such operating model")
        operating_model, _access = get_model_for(request.user, slug)
        return operating_model
    finally:
        # A stream lives for minutes; Django gives the connection back only when the response
        # closes. Without this every open stream held one: the 5th stream of a process waited
        # on psycopg's pool (4 connections), or streams used up PostgreSQL's max_connections.
        connections.close_all()


def format_event(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def model_stream(request: HttpRequest, slug: str) -> HttpResponseBase:
    """Stream the model's live events; a comment every few seconds keeps proxies open."""
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    operating_model = await sync_to_async(_check)(request, slug)
    heartbeat = settings.OPMODEL_SSE_HEARTBEAT_SECONDS
    hub = events.broadcaster()

    async def stream() -> AsyncIterator[str]:
        subscription = hub.subscribe(operating_model.channel)
        await hub.wait_ready()
        try:
            # retry: how long the browser waits before reconnecting after a drop.
            yield "retry: 2000\n" + format_event("hello", {"model": operating_model.slug})
            while True:
                message = await subscription.get(timeout=heartbeat)
                if message is None:
                    yield ": keep-alive\n\n"
                    continue
                yield format_event(message.get("type", "change"), message)
        finally:
            hub.unsubscribe(subscription)

    response = StreamingHttpResponse(stream(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx and friends: do not buffer the stream
    return response
