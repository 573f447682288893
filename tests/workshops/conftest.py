from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from workshops import services
from workshops.models import Phase, Workshop

SECTIONS = ["canvas.stages", "canvas.metrics"]


def make_workshop(om, facilitator, *, phase: Phase = Phase.WORKSHOP, **extra) -> Workshop:
    """A workshop through the services, moved forward to ``phase``."""
    workshop = services.workshop_create(
        operating_model=om,
        actor=facilitator,
        title=extra.pop("title", "Data mesh kick-off"),
        goal="Agree the value journey",
        sections=extra.pop("sections", SECTIONS),
        starts_at=timezone.now() + timedelta(days=1),
        agenda=[("Warm-up", 10), ("Journey", 30)],
        **extra,
    )
    order = [Phase.INVITE, Phase.WORKSHOP, Phase.REFINE, Phase.SOCIALISE, Phase.DONE]
    for target in order[1 : order.index(phase) + 1]:
        workshop = services.workshop_transition(
            workshop=workshop, actor=facilitator, to_phase=target
        )
    return workshop


def room_with_guest(om, people, make_user, sections, *, attendees=()) -> Workshop:
    """A workshop room on ``sections`` with a "guest" participant of the model among its
    attendees (and ``attendees`` from ``people``), as the room's browser tests need it."""
    from opmodel.models import Role
    from opmodel.services import member_add

    fac = people["facilitator"]
    guest = make_user("guest")
    member_add(operating_model=om, actor=fac, user=guest, role=Role.PARTICIPANT)
    workshop = make_workshop(om, fac, sections=sections)
    for user in [*(people[name] for name in attendees), guest]:
        services.attendee_add(workshop=workshop, actor=fac, user=user)
    return workshop


@pytest.fixture
def workshop(small_om, people) -> Workshop:
    """A small model's workshop in the live phase; the participant is in it."""
    w = make_workshop(small_om, people["facilitator"], allow_anonymous_notes=True)
    services.attendee_add(workshop=w, actor=people["facilitator"], user=people["participant"])
    return w
