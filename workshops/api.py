"""Workshops in the API (read): the list, and one workshop as its pages show it to the caller
(phase, agenda, attendees, and the notes and proposals the room shows them: no one else's
private note, during a breakout their own group's, dot counts once the votes are revealed).
Mounted by the core's API through ``registry.register_api``. A fixed number of queries, whatever
the number of notes, proposals or attendees."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from opmodel.access import get_model_for
from opmodel.registry import user_label

from . import selectors, services
from .access import get_workshop_for

router = Router(tags=["workshops"])


class WorkshopBase(Schema):
    id: int
    title: str
    phase: str
    starts_at: Any
    duration_minutes: int
    facilitator: str


class WorkshopOut(WorkshopBase):
    attendee_count: int
    proposal_count: int


class AgendaBlockOut(Schema):
    title: str
    minutes: int
    current: bool


class AttendeeOut(Schema):
    name: str
    present: bool
    facilitator: bool
    rsvp: str


class NoteOut(Schema):
    id: int
    kind: str
    text: str
    section: str
    item: str
    group: str | None
    author: str | None  # None: anonymous to you
    private: bool
    votes: int | None  # None until the votes are revealed
    mine: int


class ProposalOut(Schema):
    id: int
    number: int
    kind: str
    section: str
    item: str
    status: str
    rationale: str
    changes: dict[str, Any]
    author: str | None
    owner: str | None
    decision_note: str
    votes: int | None
    mine: int


class WorkshopDetailOut(WorkshopBase):
    goal: str
    sections: list[str]
    votes_revealed: bool
    you_take_part: bool
    agenda: list[AgendaBlockOut]
    attendees: list[AttendeeOut]
    notes: list[NoteOut]
    proposals: list[ProposalOut]


def _name(user: Any) -> str | None:
    return user_label(user) if user is not None else None


@router.get("/models/{slug}/workshops", response=list[WorkshopOut], url_name="workshops")
@paginate(PageNumberPagination, page_size=50)
def workshop_list(request: HttpRequest, slug: str):
    """The model's workshops, the latest first (every member sees them, as on the page)."""
    operating_model, _access = get_model_for(request.user, slug)
    return [
        {
            "id": w.pk,
            "title": w.title,
            "phase": w.phase,
            "starts_at": w.starts_at,
            "duration_minutes": w.duration_minutes,
            "facilitator": user_label(w.facilitator),
            "attendee_count": w.n_attendees,  # type: ignore[attr-defined]
            "proposal_count": w.n_proposals,  # type: ignore[attr-defined]
        }
        for w in selectors.workshops_of(operating_model)
    ]


@router.get("/models/{slug}/workshops/{pk}", response=WorkshopDetailOut, url_name="workshop")
def workshop_detail(request: HttpRequest, slug: str, pk: int):
    """One workshop as its pages show it to you."""
    workshop, wa = get_workshop_for(request.user, slug, pk)
    user = request.user
    breakout = services.breakout_of(workshop, user) if workshop.breakouts_open else None
    revealed = workshop.votes_revealed
    notes = selectors.notes_for(workshop, user, room=True, breakout=breakout)
    proposals = selectors.proposals_for(workshop, user, room=True, breakout=breakout)
    people = selectors.presence(workshop)
    return {
        "id": workshop.pk,
        "title": workshop.title,
        "phase": workshop.phase,
        "starts_at": workshop.starts_at,
        "duration_minutes": workshop.duration_minutes,
        "facilitator": user_label(workshop.facilitator),
        "goal": workshop.goal,
        "sections": [s.key for s in selectors.focused_sections(workshop)],
        "votes_revealed": revealed,
        "you_take_part": wa.can_take_part,
        "agenda": [
            {"title": b.title, "minutes": b.minutes, "current": b.pk == workshop.current_block_id}
            for b in workshop.agenda.all()
        ],
        "attendees": [
            {"name": p.name, "present": p.present, "facilitator": p.is_facilitator, "rsvp": p.rsvp}
            for p in people
        ],
        "notes": [
            {
                "id": n.pk,
                "kind": n.kind,
                "text": n.text,
                "section": n.section,
                "item": n.part_label,
                "group": n.group.title if n.group_id else None,  # type: ignore[union-attr]
                "author": _name(n.shown_author),  # type: ignore[attr-defined]
                "private": n.private,
                "votes": n.total if revealed else None,  # type: ignore[attr-defined]
                "mine": n.mine,  # type: ignore[attr-defined]
            }
            for n in notes
        ],
        "proposals": [
            {
                "id": p.pk,
                "number": p.number,
                "kind": p.kind,
                "section": p.section,
                "item": p.part_label,
                "status": p.status,
                "rationale": p.rationale,
                "changes": p.display,
                "author": _name(p.author),
                "owner": _name(p.owner),
                "decision_note": p.decision_note,
                "votes": p.total if revealed else None,  # type: ignore[attr-defined]
                "mine": p.mine,  # type: ignore[attr-defined]
            }
            for p in proposals
        ],
    }
