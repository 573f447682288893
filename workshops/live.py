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


# Who did something the event does not name (an anonymous or a private note): known to the
# server, never sent as such. The room stream tells only that person's own streams "own": true
# (their page then does not announce their own change), and drops the key for everyone else.
ORIGIN = "origin_id"


def room_event(
    workshop: Workshop,
    parts: list[str],
    actor: User | None = None,
    *,
    origin: User | None = None,
    **extra: Any,
) -> None:
    """Tell every browser in the room which partials changed (after the commit). ``origin``:
    who did it when ``actor`` is left out to keep them anonymous."""
    message: dict[str, Any] = {
        "type": "room",
        "workshop": workshop.pk,
        "parts": [p for p in parts if p in ROOM_PARTS],
        "actor": user_label(actor) if actor is not None else "",
        "actor_id": getattr(actor, "pk", None),
        **extra,
    }
    if origin is not None and actor is None:
        message[ORIGIN] = origin.pk
    events.publish_on_commit(workshop.channel, message)


def as_seen_by(user_id: int | None, message: dict[str, Any]) -> dict[str, Any]:
    """``message`` as one person's stream sends it: without who did an unnamed change, and
    with "own" if it was this person (the same object when there is nothing to hide)."""
    if ORIGIN not in message:
        return message
    shown = {k: v for k, v in message.items() if k != ORIGIN}
    if user_id is not None and message[ORIGIN] == user_id:
        shown["own"] = True
    return shown
