"""The facilitator's tools in the live room beyond timer and focus basics: the agenda's next
block, private writing, nudging those with dots left, summoning everyone to one item, and
breakout groups."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from ..live import room_event
from ..models import AgendaBlock, Attendee, Breakout, Note, Workshop
from .room import item_label
from .workshops import _lock, _require_facilitator

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_BREAKOUTS = 12


def next_block(workshop: Workshop) -> AgendaBlock | None:
    """The agenda block after the current one (the first when none is running)."""
    blocks = list(workshop.agenda.all())
    if workshop.current_block_id is None:
        return blocks[0] if blocks else None
    ids = [b.pk for b in blocks]
    if workshop.current_block_id not in ids:
        return None
    at = ids.index(workshop.current_block_id)
    return blocks[at + 1] if at + 1 < len(blocks) else None


@transaction.atomic
def timer_next(*, workshop: Workshop, actor: User | None) -> Workshop:
    """Start the countdown of the agenda's next block; everyone sees which block it is."""
    workshop = _lock(workshop)
    _require_facilitator(workshop, actor)
    block = next_block(workshop)
    if block is None:
        raise ValidationError("That was the last block of the agenda.")
    workshop.current_block = block
    workshop.timer_ends_at = timezone.now() + timedelta(minutes=block.minutes)
    workshop.save(update_fields=["current_block", "timer_ends_at"])
    room_event(workshop, ["bar"], actor)
    return workshop


@transaction.atomic
def private_writing_start(*, workshop: Workshop, actor: User | None) -> Workshop:
    """From now on each person's new notes are seen by their author only."""
    workshop = _lock(workshop)
    _require_facilitator(workshop, actor)
    workshop.private_writing = True
    workshop.save(update_fields=["private_writing"])
    room_event(workshop, ["bar", "notes"], actor)
    return workshop


@transaction.atomic
def private_writing_reveal(*, workshop: Workshop, actor: User | None, show_authors: bool) -> int:
    """Show every privately written note to everyone at once, with or without the names of
    their authors; ends private writing. Returns how many notes were revealed."""
    workshop = _lock(workshop)
    _require_facilitator(workshop, actor)
    private = Note.objects.filter(workshop=workshop, private=True)
    # written anonymously: anonymous for good now
    anonymous = private.filter(author_hidden=True).update(private=False, author=None)
    revealed = anonymous + private.update(private=False, author_hidden=not show_authors)
    workshop.private_writing = False
    workshop.save(update_fields=["private_writing"])
    room_event(workshop, ["bar", "notes"], actor)
    return revealed


def votes_nudge(*, workshop: Workshop, actor: User | None) -> None:
    """Remind everyone who still has dots to use them (each browser knows its own dots: the
    event names nobody)."""
    _require_facilitator(workshop, actor)
    room_event(workshop, [], actor, nudge=True)


@transaction.atomic
def summon(
    *, workshop: Workshop, actor: User | None, section: str, part_id: int | None
) -> Workshop:
    """Bring everyone to one item of a focused section (or the section as a whole)."""
    workshop = _lock(workshop)
    _require_facilitator(workshop, actor)
    if not section:
        raise ValidationError("Choose a section.")
    item_label(workshop, section, part_id)  # one of the workshop's sections, the item exists
    workshop.focus_section = section
    workshop.focus_part_id = part_id or None
    workshop.save(update_fields=["focus_section", "focus_part_id"])
    room_event(workshop, ["bar"], actor, focus=section, focus_item=part_id or None)
    return workshop


def _people(workshop: Workshop) -> list[Attendee]:
    return list(Attendee.objects.filter(workshop=workshop).exclude(user_id=workshop.facilitator_id))


@transaction.atomic
def breakouts_split(
    *, workshop: Workshop, actor: User | None, groups: int, shuffle: bool = True
) -> list[Breakout]:
    """Split the people of the workshop (not its facilitator) into ``groups`` groups, dealt
    round the table at random (``shuffle``) or in the order they joined, to be moved by hand
    afterwards. Each group then sees its own notes, proposals and timer."""
    workshop = _lock(workshop)
    _require_facilitator(workshop, actor)
    people = _people(workshop)
    if not 2 <= groups <= min(MAX_BREAKOUTS, max(2, len(people))):
        raise ValidationError(
            f"Split into 2 to {min(MAX_BREAKOUTS, max(2, len(people)))} groups "
            f"({len(people)} {ngettext('person is', 'people are', len(people))} in the workshop)."
        )
    Breakout.objects.filter(workshop=workshop).delete()
    breakouts = Breakout.objects.bulk_create(
        Breakout(workshop=workshop, number=n) for n in range(1, groups + 1)
    )
    if shuffle:
        random.shuffle(people)
    for i, attendee in enumerate(people):
        attendee.breakout = breakouts[i % groups]
    Attendee.objects.bulk_update(people, ["breakout"])
    workshop.breakouts_open = True
    workshop.save(update_fields=["breakouts_open"])
    room_event(workshop, ["bar"], actor, reload=True)
    return breakouts


@transaction.atomic
def breakout_assign(
    *, workshop: Workshop, actor: User | None, user: Any, breakout: Breakout | None
) -> Attendee:
    """Move one person into a group (by hand)."""
    workshop = _lock(workshop)
    _require_facilitator(workshop, actor)
    if breakout is not None and breakout.workshop_id != workshop.pk:
        raise ValidationError("That group belongs to another workshop.")
    attendee = Attendee.objects.filter(workshop=workshop, user=user).first()
    if attendee is None or attendee.user_id == workshop.facilitator_id:
        raise ValidationError("Move someone who takes part in the workshop.")
    attendee.breakout = breakout
    attendee.save(update_fields=["breakout"])
    room_event(workshop, ["bar"], actor, reload=True)
    return attendee


@transaction.atomic
def breakouts_end(*, workshop: Workshop, actor: User | None) -> Workshop:
    """Bring the groups back: everyone sees every group's notes and proposals in the main
    room (each marked with its group) to vote and decide on."""
    workshop = _lock(workshop)
    _require_facilitator(workshop, actor)
    workshop.breakouts_open = False
    workshop.save(update_fields=["breakouts_open"])
    Breakout.objects.filter(workshop=workshop).update(timer_ends_at=None)
    room_event(workshop, ["bar"], actor, reload=True)
    return workshop


@transaction.atomic
def breakout_timer_start(*, breakout: Breakout, actor: User | None, minutes: int) -> Breakout:
    """A group's own countdown, started by one of its members or the facilitator."""
    workshop = Workshop.objects.get(pk=breakout.workshop_id)  # as it is now, not as loaded
    is_member = Attendee.objects.filter(workshop=workshop, user=actor, breakout=breakout).exists()
    if not is_member and getattr(actor, "pk", None) != workshop.facilitator_id:
        raise ValidationError("Only the group's members or the facilitator run its timer.")
    if not workshop.breakouts_open:
        raise ValidationError("The groups are back in the main room.")
    if not 1 <= minutes <= 240:
        raise ValidationError("Give 1 to 240 minutes.")
    breakout.timer_ends_at = timezone.now() + timedelta(minutes=minutes)
    breakout.save(update_fields=["timer_ends_at"])
    room_event(workshop, ["bar"], actor)
    return breakout
