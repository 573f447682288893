"""Writes to workshops: create, edit, move between phases, the facilitator's controls, and
planning the next workshop."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from opmodel.access import access_for
from opmodel.models import OperatingModel
from opmodel.registry import registry

from ..access import require_grants_roles, require_runs
from ..live import room_event
from ..models import (
    PHASE_ORDER,
    AgendaBlock,
    Attendee,
    Comment,
    CommentStatus,
    Note,
    NoteKind,
    Phase,
    PhaseChange,
    Proposal,
    ProposalStatus,
    Workshop,
)
from ..webhooks import phase_changed

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _check_sections(sections: list[str]) -> list[str]:
    known = {s.key for s in registry.sections()}
    unknown = [key for key in sections if key not in known]
    if unknown:
        raise ValidationError({"sections": f"Unknown sections: {', '.join(unknown)}"})
    if not sections:
        raise ValidationError({"sections": "Choose at least one section to focus on."})
    return list(dict.fromkeys(sections))


def _set_agenda(workshop: Workshop, agenda: list[tuple[str, int]]) -> None:
    workshop.agenda.all().delete()
    AgendaBlock.objects.bulk_create(
        AgendaBlock(workshop=workshop, position=i, title=title[:120], minutes=max(1, minutes))
        for i, (title, minutes) in enumerate(agenda)
    )


def _lock(workshop: Workshop) -> Workshop:
    return (
        Workshop.objects.select_for_update().select_related("operating_model").get(pk=workshop.pk)
    )


def _require_facilitator(workshop: Workshop, actor: User | None) -> None:
    require_runs(workshop, actor, "Only the workshop's facilitator does this.")


@transaction.atomic
def workshop_create(
    *,
    operating_model: OperatingModel,
    actor: User,
    title: str,
    sections: list[str],
    starts_at: datetime,
    goal: str = "",
    duration_minutes: int = 90,
    agenda: list[tuple[str, int]] | None = None,
    allow_anonymous_notes: bool = False,
    vote_budget: int = 5,
    previous: Workshop | None = None,
) -> Workshop:
    """A workshop in the invite phase; its creator facilitates it."""
    workshop = Workshop(
        operating_model=operating_model,
        title=title,
        goal=goal,
        sections=_check_sections(sections),
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        facilitator=actor,
        allow_anonymous_notes=allow_anonymous_notes,
        vote_budget=vote_budget,
        previous=previous,
        created_by=actor,
    )
    workshop.full_clean()
    workshop.save()
    _set_agenda(workshop, agenda or [])
    Attendee.objects.create(workshop=workshop, user=actor)
    return workshop


@transaction.atomic
def workshop_update(
    *,
    workshop: Workshop,
    actor: User | None,
    title: str,
    sections: list[str],
    starts_at: datetime,
    goal: str = "",
    duration_minutes: int = 90,
    agenda: list[tuple[str, int]] | None = None,
    allow_anonymous_notes: bool = False,
    vote_budget: int = 5,
) -> Workshop:
    workshop = _lock(workshop)
    _require_facilitator(workshop, actor)
    workshop.title, workshop.goal = title, goal
    workshop.sections = _check_sections(sections)
    workshop.starts_at, workshop.duration_minutes = starts_at, duration_minutes
    workshop.allow_anonymous_notes, workshop.vote_budget = allow_anonymous_notes, vote_budget
    if workshop.focus_section not in workshop.sections:
        workshop.focus_section = ""
    workshop.full_clean()
    workshop.save()
    if agenda is not None:
        current = [(b.title, b.minutes) for b in workshop.agenda.all()]
        if current != agenda:
            workshop.current_block = None
            workshop.save(update_fields=["current_block"])
            _set_agenda(workshop, agenda)
    room_event(workshop, ["bar"], actor)
    return workshop


def allowed_transitions(workshop: Workshop) -> dict[str, Phase | None]:
    """The phase one step forward and one step back (None at either end)."""
    index = workshop.phase_index
    return {
        "forward": PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None,
        "back": PHASE_ORDER[index - 1] if index > 0 else None,
    }


@transaction.atomic
def workshop_transition(
    *,
    workshop: Workshop,
    actor: User | None,
    to_phase: Phase | str,
    reason: str = "",
    base_url: str = "",
) -> Workshop:
    """Move the workshop one phase forward, or one back with a reason; every move is recorded.

    Entering the workshop phase the first time stamps its start (the refine board shows the
    draft's changes since then); entering socialise the first time emails the participants
    the summary and the share page (when ``base_url`` is given).
    """
    workshop = _lock(workshop)
    _require_facilitator(workshop, actor)
    try:
        target = Phase(to_phase)
    except ValueError as exc:
        raise ValidationError(f"There is no phase {to_phase!r}.") from exc
    steps = allowed_transitions(workshop)
    reason = reason.strip()
    if target == steps["forward"]:
        pass
    elif target == steps["back"]:
        if not reason:
            raise ValidationError("Say why the workshop goes back a phase.")
    else:
        raise ValidationError(
            f"A workshop in {workshop.get_phase_display()} cannot move to {target.label}."
        )
    now = timezone.now()
    phase_changed(
        workshop=workshop, from_phase=workshop.phase, to_phase=target, actor=actor, reason=reason
    )
    PhaseChange.objects.create(
        workshop=workshop,
        from_phase=workshop.phase,
        to_phase=target,
        actor=actor,
        reason=reason,
        at=now,
    )
    if workshop.phase == Phase.WORKSHOP:
        workshop.timer_ends_at = None
    workshop.phase = target
    if target == Phase.WORKSHOP and workshop.started_at is None:
        workshop.started_at = now
    send_summary = target == Phase.SOCIALISE and workshop.summary_sent_at is None and base_url
    if send_summary:
        workshop.summary_sent_at = now
    workshop.save()
    if send_summary:
        from .sharing import summary_send

        pk = workshop.pk
        transaction.on_commit(
            lambda: summary_send(workshop=Workshop.objects.get(pk=pk), base_url=base_url)
        )
    # the phase decides what the whole room offers (notes, proposals): pages load it again
    room_event(workshop, ["bar"], actor, reload=True, phase=str(target))
    return workshop


@transaction.atomic
def timer_start(
    *,
    workshop: Workshop,
    actor: User | None,
    block: AgendaBlock | None = None,
    minutes: int | None = None,
) -> Workshop:
    """Start the countdown of an agenda block (or of ``minutes``): browsers count locally to
    the end time they are sent."""
    workshop = _lock(workshop)
    _require_facilitator(workshop, actor)
    if block is not None and block.workshop_id != workshop.pk:
        raise ValidationError("That block belongs to another workshop.")
    length = minutes if minutes else (block.minutes if block else 10)
    workshop.current_block = block
    workshop.timer_ends_at = timezone.now() + timedelta(minutes=length)
    workshop.save(update_fields=["current_block", "timer_ends_at"])
    room_event(workshop, ["bar"], actor)
    return workshop


@transaction.atomic
def timer_extend(*, workshop: Workshop, actor: User | None, minutes: int) -> Workshop:
    workshop = _lock(workshop)
    _require_facilitator(workshop, actor)
    base = max(workshop.timer_ends_at or timezone.now(), timezone.now())
    workshop.timer_ends_at = base + timedelta(minutes=minutes)
    workshop.save(update_fields=["timer_ends_at"])
    room_event(workshop, ["bar"], actor)
    return workshop


@transaction.atomic
def timer_stop(*, workshop: Workshop, actor: User | None) -> Workshop:
    workshop = _lock(workshop)
    _require_facilitator(workshop, actor)
    workshop.timer_ends_at = None
    workshop.save(update_fields=["timer_ends_at"])
    room_event(workshop, ["bar"], actor)
    return workshop


@transaction.atomic
def focus_set(*, workshop: Workshop, actor: User | None, section: str) -> Workshop:
    """Bring everyone to one section (an empty key releases the focus)."""
    workshop = _lock(workshop)
    _require_facilitator(workshop, actor)
    if section and section not in workshop.sections:
        raise ValidationError("Focus on one of the workshop's sections.")
    workshop.focus_section = section
    workshop.focus_part_id = None
    workshop.save(update_fields=["focus_section", "focus_part_id"])
    room_event(workshop, ["bar"], actor, focus=section)
    return workshop


@transaction.atomic
def votes_reveal(*, workshop: Workshop, actor: User | None, revealed: bool) -> Workshop:
    workshop = _lock(workshop)
    _require_facilitator(workshop, actor)
    workshop.votes_revealed = revealed
    workshop.save(update_fields=["votes_revealed"])
    room_event(workshop, ["bar", "notes", "proposals"], actor)
    return workshop


@transaction.atomic
def facilitation_handover(*, workshop: Workshop, actor: User | None, to_user: Any) -> Workshop:
    """Hand the facilitator's controls to an attendee who may edit the model.

    Only the current facilitator can hand over: nobody can take the role (the row lock makes a
    second, simultaneous handover see the new facilitator and be refused).
    """
    workshop = _lock(workshop)
    _require_facilitator(workshop, actor)
    if to_user.pk == workshop.facilitator_id:
        raise ValidationError("They already facilitate this workshop.")
    if not Attendee.objects.filter(workshop=workshop, user=to_user).exists():
        raise ValidationError("Hand facilitation to someone in the workshop.")
    if not access_for(to_user, workshop.operating_model).can_edit:
        raise ValidationError("The new facilitator must be an editor or facilitator of the model.")
    workshop.facilitator = to_user
    workshop.save(update_fields=["facilitator"])
    room_event(workshop, ["bar", "presence", "notes", "proposals"], actor, reload=True)
    return workshop


def next_workshop_plan(workshop: Workshop) -> dict[str, Any]:
    """What the next workshop starts from (the form's initial values): the same sections,
    agenda and settings, two weeks on. Nothing is created until the facilitator saves."""
    return {
        "title": f"{workshop.title} · follow-up"[:120],
        "goal": f"Follow up “{workshop.title}”: resolve open comments and parked proposals.",
        "sections": list(workshop.sections),
        "starts_at": timezone.now() + timedelta(days=14),
        "duration_minutes": workshop.duration_minutes,
        "agenda": [(b.title, b.minutes) for b in workshop.agenda.all()],
        "allow_anonymous_notes": workshop.allow_anonymous_notes,
        "vote_budget": workshop.vote_budget,
    }


@transaction.atomic
def workshop_plan_next(
    *, workshop: Workshop, actor: User, starts_at: datetime | None = None, **plan: Any
):
    """The next workshop (``plan``: ``workshop_create``'s fields, defaults from
    :func:`next_workshop_plan`), seeded with what is still open: open comments on the shared
    draft become notes, parked (and still open) proposals are carried over, and the attendees
    are invited along (with no answer yet)."""
    require_grants_roles(workshop, actor)
    values = {**next_workshop_plan(workshop), **plan}
    if starts_at is not None:
        values["starts_at"] = starts_at
    next_workshop = workshop_create(
        operating_model=workshop.operating_model, actor=actor, previous=workshop, **values
    )
    Attendee.objects.bulk_create(
        Attendee(workshop=next_workshop, user_id=user_id)
        for user_id in workshop.attendees.exclude(user_id=next_workshop.facilitator_id)
        .exclude(user__workshop_attendances__workshop=next_workshop)
        .values_list("user_id", flat=True)
    )
    comments = list(
        Comment.objects.filter(
            workshop=workshop, status=CommentStatus.OPEN, carried_to__isnull=True
        ).select_related("author")
    )
    Note.objects.bulk_create(
        Note(
            workshop=next_workshop,
            author=None,
            kind=NoteKind.CONCERN,
            text=f"Comment from {c.who}: {c.text}"[:2000],
            section=c.section if c.section in next_workshop.sections else "",
            part_id=c.part_id if c.section in next_workshop.sections else None,
        )
        for c in comments
    )
    Comment.objects.filter(pk__in=[c.pk for c in comments]).update(carried_to=next_workshop)
    carried = Proposal.objects.filter(
        workshop=workshop, status__in=[ProposalStatus.PARKED, ProposalStatus.OPEN]
    ).order_by("number")
    top = Proposal.objects.filter(workshop=next_workshop).aggregate(n=Max("number"))["n"] or 0
    Proposal.objects.bulk_create(
        Proposal(
            workshop=next_workshop,
            author_id=p.author_id,
            section=p.section,
            part_id=p.part_id,
            part_label=p.part_label,
            kind=p.kind,
            changes=p.changes,
            display=p.display,
            base_revision=p.base_revision,
            rationale=p.rationale,
            number=top + i,
            carried_from=p,
        )
        for i, p in enumerate(carried, start=1)
    )
    return next_workshop
