"""Class guard: the workshop role never grants more than the model role allows *now*.

Every workshop action, for every pair (model role, workshop role), after the people holding them
were demoted or removed: a facilitator who handed the controls to an editor and then demoted him
to participant found he still decided proposals and invited people as editors. Here the rights
are re-derived from the rule, never from a table of statuses:

- reading a workshop needs membership of the model (removed: 404);
- taking part needs the participate right and being in the workshop (or running it);
- running it (controls, decisions, share links, ...) needs being its facilitator AND the right
  to change the model now;
- inviting (an invitation makes its invitee a member with a role) and planning the next
  workshop need being its facilitator AND being a facilitator of the model now.

Each request runs in a savepoint that is rolled back, so one set-up serves every action.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from opmodel.models import Role
from opmodel.services import member_add, member_remove, member_set_role
from teams.models import Squad
from teams.services import squad_lead_grant
from tests.workshops.test_permissions import comment, invitation, matrix_context, note, proposal, w
from tests.workshops.test_permissions import share_link as link
from workshops import services

pytestmark = pytest.mark.django_db

READ, TAKE_PART, RUN, GRANT = "read", "take part", "run", "grant roles"
MODEL_ROLES = ["facilitator", "editor", "participant", "viewer", "removed"]
WORKSHOP_ROLES = ["runs", "attends", "absent"]


def _data(fn: Callable[[Any], dict] | None = None) -> Callable[[Any], dict]:
    return fn or (lambda c: {})


# (name, kind, method, url, data): every workshop action a member may reach.
ACTIONS: list[tuple[str, str, str, Callable[[Any], str], Callable[[Any], dict]]] = [
    ("detail", READ, "get", w("workshop-detail"), _data()),
    ("room", READ, "get", w("workshop-room"), _data()),
    ("room-bar", READ, "get", w("room-bar"), _data()),
    ("room-notes", READ, "get", w("room-notes"), _data()),
    ("room-proposals", READ, "get", w("room-proposals"), _data()),
    ("room-section", READ, "get", w("room-section", lambda c: "canvas-stages"), _data()),
    ("summary", READ, "get", w("workshop-summary"), _data()),
    ("share-comment", READ, "post", w("workshop-share"), _data(lambda c: {"text": "Typo"})),
    ("proposal-new", TAKE_PART, "get", w("proposal-new"), _data()),
    ("note-add", TAKE_PART, "post", w("note-add"), _data(lambda c: {"kind": "idea", "text": "x"})),
    ("vote", TAKE_PART, "post", w("vote"), _data(lambda c: {"note": c["note"].pk})),
    (
        "proposal-new-post",
        TAKE_PART,
        "post",
        w("proposal-new"),
        _data(lambda c: {"section": "canvas.stages", "kind": "idea", "rationale": "Rename"}),
    ),
    ("edit", RUN, "get", w("workshop-edit"), _data()),
    ("invite-page", RUN, "get", w("workshop-invite"), _data()),
    ("room-controls", RUN, "get", w("room-controls"), _data()),
    ("phase", RUN, "post", w("workshop-phase"), _data(lambda c: {"to_phase": "refine"})),
    ("timer", RUN, "post", w("control-timer"), _data(lambda c: {"action": "start", "minutes": 5})),
    ("focus", RUN, "post", w("control-focus"), _data(lambda c: {"section": "canvas.stages"})),
    ("reveal", RUN, "post", w("control-reveal"), _data(lambda c: {"revealed": "on"})),
    ("note-group", RUN, "post", w("note-group", note), _data(lambda c: {"title": "Flow"})),
    ("decide", RUN, "post", w("proposal-decide", proposal), _data(lambda c: {"decision": "park"})),
    (
        "accept",
        RUN,
        "post",
        w("proposal-decide", proposal),
        _data(lambda c: {"decision": "accept"}),
    ),
    (
        "owner",
        RUN,
        "post",
        w("proposal-owner", proposal),
        _data(lambda c: {"user": c["people"]["participant"].pk}),
    ),
    ("proposal-finish", RUN, "post", w("proposal-finish", proposal), _data()),
    ("handover", RUN, "post", w("control-handover"), _data(lambda c: {"user": c["heir"].pk})),
    ("invitation-revoke", RUN, "post", w("invitation-revoke", invitation), _data()),
    ("share-link", RUN, "post", w("share-link-new"), _data()),
    ("share-link-revoke", RUN, "post", w("share-link-revoke", link), _data()),
    ("comment-resolve", RUN, "post", w("comment-resolve", comment), _data()),
    (
        "attendee-add",
        RUN,
        "post",
        w("attendee-add"),
        _data(lambda c: {"user": c["people"]["viewer"].pk}),
    ),
    (
        "invite-as-editor",
        GRANT,
        "post",
        w("workshop-invite"),
        _data(lambda c: {"emails": "someone@example.com", "role": "editor"}),
    ),
    ("next", GRANT, "get", w("workshop-next"), _data()),
]


def allowed(kind: str, model_role: str, workshop_role: str) -> bool:
    """The rule, stated once: what the pair may do."""
    member = model_role != "removed"
    participates = model_role in ("participant", "editor", "facilitator")
    runs = workshop_role == "runs"
    return {
        READ: member,
        TAKE_PART: participates and workshop_role in ("runs", "attends"),
        RUN: runs and model_role in ("editor", "facilitator"),
        GRANT: runs and model_role == "facilitator",
    }[kind]


def expected(kind: str, method: str, model_role: str, workshop_role: str) -> int:
    if allowed(kind, model_role, workshop_role):
        return 200 if method == "get" else 302
    return 404 if model_role == "removed" else 403


def _become(om, user, role: str, actor) -> None:
    if role == "removed":
        member_remove(operating_model=om, actor=actor, user=user)
    else:
        member_set_role(operating_model=om, actor=actor, user=user, role=Role(role))


@pytest.fixture
def pairs(workshop, people, make_user):
    """Three people of one model role: the one who was handed the controls, an attendee and a
    member who is not in the workshop; and the context the actions point at."""
    om, boss = workshop.operating_model, people["facilitator"]
    ctx = matrix_context(workshop, people)  # made while the model's facilitator runs it
    cast = {name: make_user(f"pair-{name}") for name in WORKSHOP_ROLES}
    heir = make_user("heir")
    for user in [*cast.values(), heir]:
        member_add(operating_model=om, actor=boss, user=user, role=Role.FACILITATOR)
    for user in (cast["runs"], cast["attends"], heir):
        services.attendee_add(workshop=workshop, actor=boss, user=user)
    services.facilitation_handover(workshop=workshop, actor=boss, to_user=cast["runs"])
    return ctx | {"cast": cast, "heir": heir, "boss": boss, "om": om}


@pytest.mark.parametrize("model_role", MODEL_ROLES)
def test_every_workshop_action_follows_the_model_role_held_now(pairs, client_for, model_role):
    for user in pairs["cast"].values():  # demoted step by step, or removed
        for step in MODEL_ROLES[1 : MODEL_ROLES.index(model_role) + 1]:
            _become(pairs["om"], user, step, pairs["boss"])
    wrong = []
    for workshop_role, user in pairs["cast"].items():
        client = client_for(user)
        for name, kind, method, url, data in ACTIONS:
            with transaction.atomic():
                if method == "get":
                    response = client.get(url(pairs))
                else:
                    response = client.post(url(pairs), data(pairs))
                transaction.set_rollback(True)
            want = expected(kind, method, model_role, workshop_role)
            if response.status_code != want:
                wrong.append((workshop_role, name, response.status_code, want))
    assert wrong == []


def test_a_pending_invitation_stops_working_when_its_sender_is_demoted(pairs, people):
    boss, om, workshop = pairs["boss"], pairs["om"], pairs["workshop"]
    member_add(operating_model=om, actor=boss, user=pairs["heir"], role=Role.FACILITATOR)
    workshop = services.facilitation_handover(
        workshop=workshop, actor=pairs["cast"]["runs"], to_user=pairs["heir"]
    )
    invite = services.invitation_create(
        workshop=workshop, actor=pairs["heir"], email="new@example.com", base_url="http://x"
    )
    member_set_role(operating_model=om, actor=boss, user=pairs["heir"], role=Role.EDITOR)
    with pytest.raises(services.InvitationRefused) as refused:
        services.invitation_check(services.invitation_token(invite))
    assert refused.value.code == "inviter"


def test_a_team_lead_grant_ends_with_the_membership(small_om, people, client_for):
    squad = Squad.objects.create(
        operating_model=small_om, name="Payments", team_type="stream_aligned", mode="growth"
    )
    viewer = people["viewer"]
    squad_lead_grant(squad=squad, user=viewer, actor=people["facilitator"])
    assert viewer.has_perm("teams.change_squad", squad)
    member_remove(operating_model=small_om, actor=people["facilitator"], user=viewer)
    member_add(operating_model=small_om, actor=people["facilitator"], user=viewer, role="viewer")
    viewer = type(viewer).objects.get(pk=viewer.pk)  # no cached permissions
    assert not viewer.has_perm("teams.change_squad", squad)
    url = reverse("teams-squad", kwargs={"slug": small_om.slug, "pk": squad.pk})
    assert client_for(viewer).get(url).status_code == 200  # still reads it, as a viewer


@pytest.mark.parametrize(
    ("name", "method"), [("invitation-open", "get"), ("invitation-rsvp", "post")]
)
def test_an_invitation_link_under_another_models_address_is_no_invitation(
    workshop, people, other_om, client, name, method
):
    invite = services.invitation_create(
        workshop=workshop, actor=people["facilitator"], email="new@example.com", base_url="x"
    )
    token = services.invitation_token(invite)
    url = reverse(name, args=[other_om.slug, token])
    response = getattr(client, method)(url, {"answer": "yes"} if method == "post" else None)
    assert response.status_code == 404
    invite.refresh_from_db()
    assert invite.rsvp == ""
