"""The workshops part of the demo: a first release and a workshop that is under way.

Everything goes through the real services, so the demo's history, votes and proposals are what
people would have left behind.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from opmodel.models import OperatingModel
from opmodel.registry import registry
from opmodel.services import release_publish

from .models import NoteKind, Phase, ProposalKind
from .services import (
    attendee_add,
    note_add,
    proposal_create,
    vote_add,
    workshop_create,
    workshop_transition,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def demo_workshop(*, operating_model: OperatingModel, users: dict[str, Any], actor: User) -> None:
    """Release 1 of the model, and the Level 2 workshop running with notes, votes and a
    proposal from the team lead."""
    release_publish(
        operating_model=operating_model,
        actor=actor,
        title="Baseline after the canvas kick-off",
        notes="The canvas as agreed in the first workshop; squads drafted by the leads.",
    )
    today = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    workshop = workshop_create(
        operating_model=operating_model,
        actor=actor,
        title="Squads and accountabilities",
        goal="Agree who is accountable for each platform capability before the next quarter.",
        sections=["teams.squads", "teams.interactions", "teams.accountabilities"],
        starts_at=today + dt.timedelta(hours=1),
        duration_minutes=90,
        agenda=[("Check-in", 10), ("Walk the squads", 25), ("Accountability gaps", 40)],
        allow_anonymous_notes=True,
        vote_budget=3,
    )
    for name in ("eddie", "pat", "tara"):
        attendee_add(workshop=workshop, actor=actor, user=users[name], rsvp="yes")
    workshop_transition(workshop=workshop, actor=actor, to_phase=Phase.WORKSHOP)
    notes = [
        note_add(
            workshop=workshop,
            actor=users["tara"],
            kind=NoteKind.CONCERN,
            section="teams.accountabilities",
            text="Nobody is accountable for the Kafka platform once a topic is in production.",
        ),
        note_add(
            workshop=workshop,
            actor=users["pat"],
            kind=NoteKind.QUESTION,
            section="teams.interactions",
            text="Do the ML squads need a collaboration mode with the ML platform, or is "
            "X-as-a-service enough?",
        ),
        note_add(
            workshop=workshop,
            actor=users["eddie"],
            kind=NoteKind.IDEA,
            text="Publish each squad's Team API next to the catalog entry of its data products.",
        ),
        note_add(
            workshop=workshop,
            actor=users["pat"],
            kind=NoteKind.CONCERN,
            text="Legacy ETL jobs still page the platform team at night.",
            anonymous=True,
        ),
    ]
    squads = registry.get("teams.squads")
    platform = squads.rows(operating_model).get(name="Data platform")
    proposal = proposal_create(
        workshop=workshop,
        actor=users["tara"],
        section="teams.squads",
        kind=ProposalKind.CHANGE,
        part=platform,
        data={"focus": "Kafka, storage and CI/CD templates; accountable for Kafka in production."},
        rationale="Close the gap on who runs Kafka after go-live.",
    )
    for name, targets in {
        "tara": [notes[0], notes[3]],
        "pat": [notes[0], notes[2]],
        "eddie": [notes[0]],
    }.items():
        for note in targets:
            vote_add(workshop=workshop, actor=users[name], note=note)
    vote_add(workshop=workshop, actor=users["eddie"], proposal=proposal)
