"""Live events of a workshop room, on the workshop's own channel (same broadcaster as the
model's). Browsers re-fetch the room partials an event names, through their own permissions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opmodel import events
from opmodel.registry import user_label

from .models import Workshop

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The room's partials a browser may be told to re-fetch.
ROOM_PARTS = ("bar", "presence", "notes", "proposals", "comments", "ballot")


def room_event(
    workshop: Workshop, parts: list[str], actor: User | None = None, **extra: Any
) -> None:
    """Tell every browser in the room which partials changed (after the commit)."""
    message: dict[str, Any] = {
        "type": "room",
        "workshop": workshop.pk,
        "parts": [p for p in parts if p in ROOM_PARTS],
        "actor": user_label(actor) if actor is not None else "",
        "actor_id": getattr(actor, "pk", None),
        **extra,
    }
    events.publish_on_commit(workshop.channel, message)
