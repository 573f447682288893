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
from opmodel.views.stream import format_event

from .. import services
from ..access import get_workshop_for


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
        await hub.wait_ready()
        if attending:
            await sync_to_async(services.presence_join)(workshop=workshop, user=user)
        try:
            yield "retry: 2000\n" + format_event(
                "hello", {"model": workshop.operating_model.slug, "workshop": workshop.pk}
            )
            while True:
                message = await model_sub.get(timeout=heartbeat)
                if message is None:
                    if attending:
                        await sync_to_async(services.presence_touch)(workshop=workshop, user=user)
                    yield ": keep-alive\n\n"
                    continue
                yield format_event(message.get("type", "change"), message)
        finally:
            hub.unsubscribe(model_sub)
            hub.unsubscribe(room_sub)
            if attending:
                await sync_to_async(services.presence_leave)(workshop=workshop, user=user)

    response = StreamingHttpResponse(stream(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
