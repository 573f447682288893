"""The room's live stream: the model's changes and the room's own events, on one connection
(``opmodel.views.stream.event_stream``, the project's one stream loop).

Opening the stream marks the person present in the room, closing it absent; presence lives in
the database, so every process (and every browser) sees the same room.
"""

from __future__ import annotations

import functools
from typing import Any

from asgiref.sync import sync_to_async
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from opmodel.views.stream import event_stream, method_not_allowed, releasing_connections

from .. import services
from ..access import get_workshop_for
from ..live import as_seen_by


@releasing_connections
def _check(request: HttpRequest, slug: str, pk: int):
    if not request.user.is_authenticated:
        raise Http404("No such workshop")
    workshop, wa = get_workshop_for(request.user, slug, pk)
    return workshop, wa.attendee is not None


async def room_stream(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    if refused := method_not_allowed(request):
        return refused
    workshop, attending = await sync_to_async(_check)(request, slug, pk)
    user = request.user
    hooks: dict[str, Any] = {}
    if attending:
        hooks = {
            "on_open": functools.partial(services.presence_join, workshop=workshop, user=user),
            "on_idle": functools.partial(services.presence_touch, workshop=workshop, user=user),
            "on_close": functools.partial(services.presence_leave, workshop=workshop, user=user),
        }
    return event_stream(
        channels=[workshop.operating_model.channel, workshop.channel],
        hello={"model": workshop.operating_model.slug, "workshop": workshop.pk},
        select=functools.partial(as_seen_by, user.pk),
        still_allowed=functools.partial(_still_member, request, slug, pk),
        **hooks,
    )


def _still_member(request: HttpRequest, slug: str, pk: int) -> bool:
    try:
        get_workshop_for(request.user, slug, pk)
    except Http404:
        return False
    return True


def _comments_only(message: dict[str, Any]) -> dict[str, Any] | None:
    if "comments" in message.get("parts", ()):
        return {"type": "room", "parts": ["comments"]}
    return None


async def share_stream(request: HttpRequest, slug: str, token: str) -> HttpResponseBase:
    """Live comments for whoever holds a share link: only the "comments changed" events of the
    workshop, nothing else that happens in the model or the room."""
    if refused := method_not_allowed(request):
        return refused
    link = await sync_to_async(_share_link)(slug, token)
    return event_stream(
        channels=[link.workshop.channel],
        hello={"workshop": link.workshop_id},
        select=_comments_only,
        still_allowed=functools.partial(_link_works, slug, token),
    )


def _link_works(slug: str, token: str) -> bool:
    try:
        _share_link(slug, token)
    except Http404:
        return False
    return True


@releasing_connections
def _share_link(slug: str, token: str):
    link = services.share_link_check(token)
    if link is None or link.workshop.operating_model.slug != slug:
        raise Http404("This share link does not work (any more).")
    return link
