"""Reads of the workshop loop. Each owns its queries: a page costs a fixed number of them,
however many notes, votes, proposals or rows there are."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from opmodel.access import editor_ids
from opmodel.models import OperatingModel
from opmodel.registry import Section, registry, user_label

from .models import (
    Attendee,
    Breakout,
    Comment,
    Invitation,
    Note,
    PhaseChange,
    Proposal,
    ProposalStatus,
    ShareLink,
    Vote,
    Workshop,
)


def workshops_of(operating_model: OperatingModel) -> QuerySet[Workshop]:
    return (
        Workshop.objects.filter(operating_model=operating_model)
        .select_related("facilitator")
        .annotate(
            n_attendees=Count("attendees", distinct=True),
            n_proposals=Count("proposals", distinct=True),
        )
    )


def focused_sections(workshop: Workshop) -> list[Section]:
    """The workshop's sections that are registered (a section removed since is skipped)."""
    sections = []
    for key in workshop.sections:
        section = registry.find(key)
        if section is not None:
            sections.append(section)
    return sections


def _presence_window() -> timedelta:
    return timedelta(seconds=max(60.0, 3 * settings.OPMODEL_SSE_HEARTBEAT_SECONDS))


@dataclass
class Person:
    user: Any
    name: str
    initials: str
    present: bool
    is_facilitator: bool
    rsvp: str


def _initials(name: str) -> str:
    parts = [p for p in name.replace(".", " ").replace("_", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


def presence(workshop: Workshop) -> list[Person]:
    """Everyone in the workshop, those present in the room first."""
    since = timezone.now() - _presence_window()
    people = []
    for attendee in Attendee.objects.filter(workshop=workshop).select_related("user"):
        name = user_label(attendee.user)
        present = attendee.connections > 0 and bool(
            attendee.last_seen and attendee.last_seen >= since
        )
        people.append(
            Person(
                attendee.user,
                name,
                _initials(name),
                present,
                attendee.user_id == workshop.facilitator_id,
                attendee.rsvp,
            )
        )
    return sorted(people, key=lambda p: (not p.present, not p.is_facilitator, p.name.lower()))


def handover_candidates(workshop: Workshop) -> list[Person]:
    """The attendees the facilitator may hand the controls to: those who may edit the model
    (``facilitation_handover`` refuses anyone else)."""
    editors = editor_ids(workshop.operating_model)
    return [p for p in presence(workshop) if not p.is_facilitator and p.user.pk in editors]


def _in_room(queryset: QuerySet, workshop: Workshop, user: Any, breakout: Breakout | None):
    """What the room shows ``user``: during a breakout a member sees their group's own (the
    facilitator every group's); see ``services.may_see`` for the same rule on one thing."""
    if workshop.breakouts_open and getattr(user, "pk", None) != workshop.facilitator_id:
        return queryset.filter(breakout=breakout)
    return queryset


def notes_for(
    workshop: Workshop,
    user: Any,
    *,
    room: bool = False,
    breakout: Breakout | None = None,
    only: list[int] | None = None,
) -> list[Note]:
    """Notes with their dot counts (``total``) and the user's own dots (``mine``); in the
    ``room`` only what ``user`` may see there (no one else's private note, their group's during
    a breakout), each with ``shown_author`` (None: anonymous to this user)."""
    user_id = getattr(user, "pk", None)
    notes = Note.objects.filter(workshop=workshop)
    if only is not None:
        notes = notes.filter(pk__in=only)
    if room:
        notes = _in_room(notes, workshop, user, breakout).exclude(
            Q(private=True) & ~Q(author_id=user_id)
        )
    result: list[Note] = list(
        notes.select_related("author", "group", "breakout")
        .annotate(
            total=Count("votes"),
            mine=Count("votes", filter=Q(votes__voter_id=user_id)),
        )
        .order_by("group__title", "created_at", "pk")
    )
    for note in result:
        hidden = note.author_hidden and (not room or note.author_id != user_id)
        note.shown_author = None if hidden else note.author  # type: ignore[attr-defined]
    return result


def private_notes_of_others(workshop: Workshop, user: Any) -> int:
    """How many notes others are writing privately (the facilitator sees the count only)."""
    return (
        Note.objects.filter(workshop=workshop, private=True)
        .exclude(author_id=getattr(user, "pk", None))
        .count()
    )


def proposals_for(
    workshop: Workshop, user: Any, *, room: bool = False, breakout: Breakout | None = None
) -> list[Proposal]:
    proposals = Proposal.objects.filter(workshop=workshop)
    if room:
        proposals = _in_room(proposals, workshop, user, breakout)
    return list(
        proposals.select_related("author", "owner", "decided_by", "breakout")
        .annotate(
            total=Count("votes"),
            mine=Count("votes", filter=Q(votes__voter_id=getattr(user, "pk", None))),
        )
        .order_by("number", "pk")
    )


@dataclass
class Ballot:
    """One person's dots: how many used and left (never what they voted for)."""

    name: str
    used: int
    left: int


def ballots(workshop: Workshop) -> list[Ballot]:
    """Everyone who takes part, with their dots left, most left first (two queries)."""
    used = dict(
        Vote.objects.filter(workshop=workshop)
        .values_list("voter_id")
        .annotate(n=Count("id"))
        .values_list("voter_id", "n")
    )
    rows = [
        Ballot(
            user_label(a.user),
            used.get(a.user_id, 0),
            max(0, workshop.vote_budget - used.get(a.user_id, 0)),
        )
        for a in Attendee.objects.filter(workshop=workshop).select_related("user")
    ]
    return sorted(rows, key=lambda b: (-b.left, b.name.lower()))


def breakout_groups(workshop: Workshop) -> list[tuple[Breakout, list[Person]]]:
    """The groups and who is in each (the facilitator's view of a breakout)."""
    people = {p.user.pk: p for p in presence(workshop)}
    members: dict[int | None, list[Person]] = {}
    for attendee in Attendee.objects.filter(workshop=workshop).only("user_id", "breakout_id"):
        if attendee.user_id in people and attendee.user_id != workshop.facilitator_id:
            members.setdefault(attendee.breakout_id, []).append(people[attendee.user_id])
    return [(b, members.get(b.pk, [])) for b in Breakout.objects.filter(workshop=workshop)]


def dots_used(workshop: Workshop, user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Vote.objects.filter(workshop=workshop, voter=user).count()


@dataclass
class SectionView:
    section: Section
    rows: list[Any]
    partial: str  # "template#partial" of the section's own list
    # The section whose list the room shows for ``section`` (itself, or its ``shown_in``)
    shown: Section | None = None
    # Where another focused section already shows that list: that section (``partial`` empty)
    shown_with: Section | None = None
    # What the list partial shows besides its rows (``Section.partial_context``; see
    # ``with_partial_data``)
    data: dict[str, Any] = field(default_factory=dict)
    # Not drawn yet: the room sends a placeholder that fetches the list when it is opened or
    # scrolled into view (``rows`` and ``data`` stay empty; see ``room_views``' ``draw``)
    lazy: bool = False

    @property
    def items(self) -> list[tuple[int, str]]:
        return [(row.pk, str(self.section.describe(row))) for row in self.rows]


def section_views(workshop: Workshop, sections: list[Section] | None = None) -> list[SectionView]:
    operating_model = workshop.operating_model
    return [
        SectionView(s, list(s.rows(operating_model)), f"{s.template}#{s.list_partial}")
        for s in (sections if sections is not None else focused_sections(workshop))
    ]


def room_views(
    workshop: Workshop,
    sections: list[Section] | None = None,
    draw: Collection[str] | None = None,
) -> list[SectionView]:
    """What the room shows for each focused section (or each of ``sections``): its own list,
    or the list of the section it is ``shown_in`` (the accountabilities as the matrix), each
    list once. With ``draw`` (section keys), only the lists of those sections (or of the
    sections they are shown in) are loaded; the others are ``lazy``, at no query."""
    operating_model = workshop.operating_model
    views: list[SectionView] = []
    seen: dict[str, Section] = {}
    for section in focused_sections(workshop) if sections is None else sections:
        shown = (registry.find(section.shown_in) if section.shown_in else None) or section
        if shown.key in seen:
            views.append(SectionView(section, [], "", shown, seen[shown.key]))
            continue
        seen[shown.key] = section
        partial = f"{shown.template}#{shown.list_partial}"
        if draw is not None and section.key not in draw and shown.key not in draw:
            views.append(SectionView(section, [], partial, shown, lazy=True))
            continue
        rows = list(shown.rows(operating_model))
        views.append(SectionView(section, rows, partial, shown))
    return views


def with_partial_data(views: list[SectionView], access: Any, request: Any) -> list[SectionView]:
    """``views`` with the data each list partial shows (its section's ``partial_context``),
    so the partials drawn in the room or on a share page run no query of their own."""
    for view in views:
        if view.partial and not view.lazy:
            view.data = (view.shown or view.section).partial_context(
                operating_model=access.operating_model, access=access, request=request
            )
    return views


def section_titles() -> dict[str, str]:
    return {s.key: s.title for s in registry.sections()}


# ---------- refine ----------


@dataclass
class Change:
    section: Section
    when: datetime
    who: str
    action: str
    item: str
    reason: str


def draft_changes(workshop: Workshop, limit: int = 200) -> list[tuple[Section, list[Change]]]:
    """Rows changed in the draft since the workshop started, per section, newest first (one
    query per registered section, from django-simple-history)."""
    if workshop.started_at is None:
        return []
    actions = {"+": "added", "~": "changed", "-": "deleted"}
    result = []
    for section in registry.sections():
        history = section.model.history  # type: ignore[attr-defined]
        records = (
            history.filter(
                operating_model_id=workshop.operating_model_id,
                history_date__gte=workshop.started_at,
            )
            .select_related("history_user")
            .order_by("-history_date", "-history_id")[:limit]
        )
        changes = [
            Change(
                section=section,
                when=h.history_date,
                who=user_label(h.history_user),
                action=actions.get(h.history_type, h.history_type),
                item=str(section.describe(h.instance)),
                reason=h.history_change_reason or "",
            )
            for h in records
        ]
        if changes:
            result.append((section, changes))
    return result


@dataclass
class RefineBoard:
    to_finish: list[Proposal]
    open: list[Proposal]
    parked: list[Proposal]
    finished: list[Proposal]


def refine_board(workshop: Workshop) -> RefineBoard:
    proposals = proposals_for(workshop, None)
    return RefineBoard(
        to_finish=[
            p for p in proposals if p.status == ProposalStatus.ACCEPTED and not p.finished_at
        ],
        open=[p for p in proposals if p.status == ProposalStatus.OPEN],
        parked=[p for p in proposals if p.status == ProposalStatus.PARKED],
        finished=[p for p in proposals if p.status == ProposalStatus.ACCEPTED and p.finished_at],
    )


# ---------- invitations, sharing ----------


def invitations_of(workshop: Workshop) -> list[Invitation]:
    return list(
        Invitation.objects.filter(workshop=workshop).select_related("accepted_by", "invited_by")
    )


def share_links_of(workshop: Workshop) -> list[ShareLink]:
    return list(ShareLink.objects.filter(workshop=workshop).annotate(n_comments=Count("comments")))


def comments_of(workshop: Workshop) -> list[Comment]:
    return list(Comment.objects.filter(workshop=workshop).select_related("author"))


@dataclass
class DraftItem:
    pk: int
    title: str
    comments: list[Comment] = field(default_factory=list)


@dataclass
class DraftSection:
    """One section of the shared draft: its own read-only list (``view``), the comments on the
    section, and its items with theirs (one comment affordance each)."""

    view: SectionView
    items: list[DraftItem]
    comments: list[Comment] = field(default_factory=list)

    @property
    def section(self) -> Section:
        return self.view.section


def shared_draft(workshop: Workshop) -> list[DraftSection]:
    """The whole draft as the level pages show it (each section's own list partial, read-only),
    with the comments on each section and item. The accountabilities' rows are shown in the
    capabilities' matrix (``shown_in``), so their section lists items without a list of its own."""
    comments = comments_of(workshop)
    views = room_views(workshop, list(registry.sections()))
    by_key = {v.shown.key: v.rows for v in views if v.shown is not None and v.partial}
    result = []
    for view in views:
        section = view.section
        rows = view.rows if view.shown is section else by_key.get(section.key)
        if rows is None:
            rows = list(section.rows(workshop.operating_model))
        items = [
            DraftItem(
                row.pk,
                str(section.describe(row)),
                [c for c in comments if c.section == section.key and c.part_id == row.pk],
            )
            for row in rows
        ]
        result.append(
            DraftSection(
                view, items, [c for c in comments if c.section == section.key and not c.part_id]
            )
        )
    return result


# ---------- summary ----------


@dataclass
class WorkshopSummary:
    """Everything the summary page (and, later, its PDF) shows."""

    workshop: Workshop
    attendees: list[Attendee]
    invitations: list[Invitation]
    phase_changes: list[PhaseChange]
    accepted: list[Proposal]
    rejected: list[Proposal]
    parked: list[Proposal]
    open: list[Proposal]
    notes: list[Note]
    changes: list[tuple[Section, list[Change]]]
    comments: list[Comment]
    votes_cast: int
    section_titles: dict[str, str]

    @property
    def applied(self) -> list[Proposal]:
        return [p for p in self.accepted if p.applied_at]

    @property
    def top_notes(self) -> list[Note]:
        return sorted(self.notes, key=lambda n: -n.total)[:10]  # type: ignore[attr-defined]


def workshop_summary(workshop: Workshop) -> WorkshopSummary:
    proposals = proposals_for(workshop, None)
    by_status: dict[str, list[Proposal]] = {s: [] for s in ProposalStatus.values}
    for p in proposals:
        by_status[p.status].append(p)
    notes = notes_for(workshop, None)
    return WorkshopSummary(
        workshop=workshop,
        attendees=list(
            Attendee.objects.filter(workshop=workshop)
            .select_related("user")
            .order_by("user__first_name", "user__username")
        ),
        invitations=invitations_of(workshop),
        phase_changes=list(PhaseChange.objects.filter(workshop=workshop).select_related("actor")),
        accepted=by_status[ProposalStatus.ACCEPTED],
        rejected=by_status[ProposalStatus.REJECTED],
        parked=by_status[ProposalStatus.PARKED],
        open=by_status[ProposalStatus.OPEN],
        notes=notes,
        changes=draft_changes(workshop),
        comments=comments_of(workshop),
        votes_cast=Vote.objects.filter(workshop=workshop).count(),
        section_titles=section_titles(),
    )


def prefetch_agenda(queryset: QuerySet[Workshop]) -> QuerySet[Workshop]:
    from .models import AgendaBlock

    return queryset.prefetch_related(Prefetch("agenda", queryset=AgendaBlock.objects.all()))
