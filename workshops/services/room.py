"""Writes in the live room: notes, groups, dot votes and presence."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..access import require_may, require_runs
from ..live import room_event
from ..models import (
    Attendee,
    Breakout,
    Note,
    NoteGroup,
    NoteKind,
    Phase,
    Proposal,
    ProposalStatus,
    Vote,
    Workshop,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

OPEN_PHASES = (Phase.INVITE, Phase.WORKSHOP)


def require_room_open(workshop: Workshop) -> None:
    """Notes, proposals and votes are taken before and during the workshop."""
    if workshop.phase not in OPEN_PHASES:
        raise ValidationError(
            f"The room is closed: the workshop is in {workshop.get_phase_display()}."
        )


def breakout_of(workshop: Workshop, user: Any) -> Breakout | None:
    """The group ``user`` works in while the breakout is open (None: the main room)."""
    if not workshop.breakouts_open or not getattr(user, "is_authenticated", False):
        return None
    attendee = (
        Attendee.objects.filter(workshop=workshop, user=user).select_related("breakout").first()
    )
    return attendee.breakout if attendee else None


def may_see(workshop: Workshop, user: Any, thing: Note | Proposal) -> bool:
    """A private note is its author's until revealed; during a breakout a group member sees
    their group's notes and proposals only (the facilitator sees every group's)."""
    user_id = getattr(user, "pk", None)
    if isinstance(thing, Note) and thing.private and thing.author_id != user_id:
        return False
    if workshop.breakouts_open and user_id != workshop.facilitator_id:
        return thing.breakout_id == getattr(breakout_of(workshop, user), "pk", None)
    return True


def item_label(
    workshop: Workshop, section: str, part_id: int | None, *, focused: bool = True
) -> str:
    """Check that a section (one of the workshop's, if ``focused``) and an item of it exist in
    the workshop's model; the item's name as people read it ("" for no item)."""
    from opmodel.registry import registry

    if section and ((focused and section not in workshop.sections) or not registry.find(section)):
        raise ValidationError({"section": "Choose one of the workshop's sections."})
    if not part_id:
        return ""
    if not section:
        raise ValidationError({"section": "An item belongs to a section."})
    sec = registry.get(section)
    row = sec.model._default_manager.filter(
        operating_model_id=workshop.operating_model_id, pk=part_id
    ).first()
    if row is None:
        raise ValidationError("That item no longer exists.")
    return str(sec.describe(row))[:200]


@transaction.atomic
def note_add(
    *,
    workshop: Workshop,
    actor: User | None,
    text: str,
    kind: NoteKind | str = NoteKind.IDEA,
    section: str = "",
    part_id: int | None = None,
    anonymous: bool = False,
) -> Note:
    """A note on the workshop, a section or an item; anonymous only if the facilitator allows."""
    require_room_open(workshop)
    label = item_label(workshop, section, part_id)
    if anonymous and not workshop.allow_anonymous_notes:
        raise ValidationError("The facilitator has not allowed anonymous notes.")
    # During private writing an anonymous note keeps its author (so they see it) until it is
    # revealed: then the author is dropped, as for any anonymous note.
    private = workshop.private_writing
    note = Note(
        workshop=workshop,
        private=private,
        author_hidden=anonymous and private,
        breakout=breakout_of(workshop, actor),
        author=None if anonymous and not private else actor,
        kind=NoteKind(kind),
        text=text.strip(),
        section=section,
        part_id=part_id or None,
        part_label=label,
    )
    note.full_clean()
    note.save()
    # A shared note names itself: browsers append just that note (a private one is nobody
    # else's business: the event names no note and no author).
    extra = {} if private else {"append": {"part": "notes", "id": note.pk}}
    hidden = anonymous or private
    room_event(
        workshop, ["notes"], None if hidden else actor, origin=actor if hidden else None, **extra
    )
    return note


@transaction.atomic
def note_delete(*, note: Note, actor: User | None) -> None:
    workshop = note.workshop
    require_may(
        workshop, actor, "delete_note", note, "Only its author or the facilitator removes a note."
    )
    note.delete()
    room_event(workshop, ["notes"], actor)


@transaction.atomic
def note_group(*, note: Note, actor: User | None, title: str) -> Note:
    """Gather a note into a named group (created on first use); an empty title ungroups it."""
    workshop = note.workshop
    require_runs(workshop, actor, "Only the facilitator groups notes.")
    title = title.strip()[:80]
    note.group = (
        NoteGroup.objects.get_or_create(workshop=workshop, title=title)[0] if title else None
    )
    note.save(update_fields=["group"])
    NoteGroup.objects.filter(workshop=workshop, notes__isnull=True).delete()
    room_event(workshop, ["notes"], actor)
    return note


def _vote_parts(workshop: Workshop, note: Note | None) -> list[str]:
    """What a dot changes for the others: while votes are hidden only the facilitator's list
    of dots left (the voter's own page has its answer), so a busy room does not make every
    browser re-fetch every note on every dot; once revealed, the totals too."""
    if not workshop.votes_revealed:
        return ["ballot"]
    return ["notes" if note else "proposals", "ballot"]


class VoteBudgetExceeded(ValidationError):
    pass


@transaction.atomic
def vote_add(
    *,
    workshop: Workshop,
    actor: User,
    note: Note | None = None,
    proposal: Proposal | None = None,
) -> Vote:
    """Put one dot on a note or a proposal, within the person's budget.

    The voter's attendee row is locked first (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
    serialises writers itself), so simultaneous requests cannot overspend the budget.
    """
    require_room_open(workshop)
    if (note is None) == (proposal is None):
        raise ValidationError("Vote on one note or one proposal.")
    target = note or proposal
    if target is not None and target.workshop_id != workshop.pk:
        raise ValidationError("That belongs to another workshop.")
    if target is not None and not may_see(workshop, actor, target):
        raise ValidationError("That is not shown to you.")
    if proposal is not None and proposal.status != ProposalStatus.OPEN:
        raise ValidationError("Only open proposals take dots.")
    locked = Attendee.objects.select_for_update().filter(workshop=workshop, user=actor).first()
    if locked is None:
        raise ValidationError("Only the people in the workshop vote.")
    used = Vote.objects.filter(workshop=workshop, voter=actor).count()
    if used >= workshop.vote_budget:
        raise VoteBudgetExceeded(f"You have used all {workshop.vote_budget} of your dots.")
    vote = Vote.objects.create(workshop=workshop, voter=actor, note=note, proposal=proposal)
    room_event(workshop, _vote_parts(workshop, note), actor)
    return vote


@transaction.atomic
def vote_remove(
    *,
    workshop: Workshop,
    actor: User | None,
    note: Note | None = None,
    proposal: Proposal | None = None,
) -> bool:
    """Take back one of one's dots from a note or a proposal."""
    require_room_open(workshop)
    vote = (
        Vote.objects.filter(workshop=workshop, voter=actor, note=note, proposal=proposal)
        .order_by("-pk")
        .first()
    )
    if vote is None:
        return False
    vote.delete()
    room_event(workshop, _vote_parts(workshop, note), actor)
    return True


def presence_join(*, workshop: Workshop, user: Any) -> None:
    """A room stream opened: the person is present (several tabs count once)."""
    updated = Attendee.objects.filter(workshop=workshop, user=user).update(
        connections=F("connections") + 1, last_seen=timezone.now()
    )
    if updated:
        room_event(workshop, ["presence"], user)


def presence_touch(*, workshop: Workshop, user: Any) -> None:
    Attendee.objects.filter(workshop=workshop, user=user).update(last_seen=timezone.now())


def presence_leave(*, workshop: Workshop, user: Any) -> None:
    updated = Attendee.objects.filter(workshop=workshop, user=user, connections__gt=0).update(
        connections=F("connections") - 1
    )
    if updated:
        room_event(workshop, ["presence"], user)
