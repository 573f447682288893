"""The room's live stream: the model's changes and the room's own events, on one connection.

Opening the stream marks the person present in the room, closing it absent; presence lives in
the database, so every process (and every browser) sees the same room.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

from opmodel import events
from opmodel.views.stream import format_event, poll_event, releasing_connections

from .. import services
from ..access import get_workshop_for


@releasing_connections
def _check(request: HttpRequest, slug: str, pk: int):
    if not request.user.is_authenticated:
        raise Http404("No such workshop")
    workshop, wa = get_workshop_for(request.user, slug, pk)
    return workshop, wa.attendee is not None


async def room_stream(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    workshop, attending = await sync_to_async(_check)(request, slug, pk)
    user = request.user
    heartbeat = settings.OPMODEL_SSE_HEARTBEAT_SECONDS
    hub = events.broadcaster()

    async def stream() -> AsyncIterator[str]:
        model_sub = hub.subscribe(workshop.operating_model.channel)
        room_sub = hub.subscribe(workshop.channel)
        room_sub.queue = model_sub.queue  # one queue, fed by both channels
        joined = False
        # Everything after subscribing is inside try: a client that leaves at any point (even
        # while we wait for Redis) is unsubscribed, and marked absent if it was marked present.
        try:
            if not await hub.wait_ready():
                yield poll_event()
                return
            if attending:
                await sync_to_async(releasing_connections(services.presence_join))(
                    workshop=workshop, user=user
                )
                joined = True
            yield "retry: 2000\n" + format_event(
                "hello", {"model": workshop.operating_model.slug, "workshop": workshop.pk}
            )
            while True:
                message = await model_sub.get(timeout=heartbeat)
                if message is None:
                    if joined:
                        await sync_to_async(releasing_connections(services.presence_touch))(
                            workshop=workshop, user=user
                        )
                    yield ": keep-alive\n\n"
                    continue
                if message is events.POLL:
                    yield poll_event()
                    return
                yield format_event(message.get("type", "change"), message)
        finally:
            hub.unsubscribe(model_sub)
            hub.unsubscribe(room_sub)
            if joined:
                await sync_to_async(releasing_connections(services.presence_leave))(
                    workshop=workshop, user=user
                )

    response = StreamingHttpResponse(stream(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


async def share_stream(request: HttpRequest, slug: str, token: str) -> HttpResponseBase:
    """Live comments for whoever holds a share link: only the "comments changed" events of the
    workshop, nothing else that happens in the model or the room."""
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    link = await sync_to_async(_share_link)(slug, token)
    heartbeat = settings.OPMODEL_SSE_HEARTBEAT_SECONDS
    hub = events.broadcaster()

    async def stream() -> AsyncIterator[str]:
        sub = hub.subscribe(link.workshop.channel)
        try:
            if not await hub.wait_ready():
                yield poll_event()
                return
            yield "retry: 2000\n" + format_event("hello", {"workshop": link.workshop_id})
            while True:
                message = await sub.get(timeout=heartbeat)
                if message is None:
                    yield ": keep-alive\n\n"
                elif message is events.POLL:
                    yield poll_event()
                    return
                elif "comments" in message.get("parts", ()):
                    yield format_event("room", {"type": "room", "parts": ["comments"]})
        finally:
            hub.unsubscribe(sub)

    response = StreamingHttpResponse(stream(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


@releasing_connections
def _share_link(slug: str, token: str):
    link = services.share_link_check(token)
    if link is None or link.workshop.operating_model.slug != slug:
        raise Http404("This share link does not work (any more).")
    return link
