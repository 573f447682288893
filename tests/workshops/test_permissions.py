"""The permission matrix: every workshop URL x every kind of person -> the expected status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from canvas.models import Stage
from opmodel.models import Role
from opmodel.services import member_add
from tests.permissions import Case
from workshops import services
from workshops.models import ProposalKind

pytestmark = pytest.mark.django_db

PEOPLE = [
    "anonymous",
    "outsider",
    "other_model_participant",
    "viewer",
    "editor",
    "participant",
    "facilitator",
]
READ = {
    "anonymous": 302,
    "outsider": 404,
    "other_model_participant": 404,
    "viewer": 200,
    "editor": 200,
    "participant": 200,
    "facilitator": 200,
}
FACILITATE_GET = {**READ, "viewer": 403, "editor": 403, "participant": 403}
FACILITATE_POST = {**FACILITATE_GET, "facilitator": 302}
TAKE_PART_GET = {**READ, "viewer": 403, "editor": 403}  # the editor is not in this workshop
TAKE_PART_POST = {**TAKE_PART_GET, "participant": 302, "facilitator": 302}
MANAGE_MODEL = {**READ, "viewer": 403, "editor": 403, "participant": 403}


def w(name: str, *extra: Callable[[Any], Any]) -> Callable[[Any], str]:
    def build(ctx) -> str:
        workshop = ctx["workshop"]
        args = [workshop.operating_model.slug, workshop.pk, *(e(ctx) for e in extra)]
        return reverse(name, args=args)

    return build


def note(ctx):
    return ctx["note"].pk


def proposal(ctx):
    return ctx["proposal"].pk


def invitation(ctx):
    return ctx["invitation"].pk


def share_link(ctx):
    return ctx["share_link"].pk


def comment(ctx):
    return ctx["comment"].pk


def token_url(name: str, key: str) -> Callable[[Any], str]:
    def build(ctx) -> str:
        return reverse(name, args=[ctx["workshop"].operating_model.slug, ctx[key]])

    return build


ANYONE = dict.fromkeys(PEOPLE, 200)


CASES = [
    Case("events", "get", w("workshop-events"), {**READ, "anonymous": 404}),
    # The participant wrote the note and deletes it; by the facilitator's turn it is gone (404).
    Case("note-delete", "post", w("note-delete", note), {**TAKE_PART_POST, "facilitator": 404}),
    # Only the owner (none yet) or the facilitator finishes a change.
    Case("proposal-finish", "post", w("proposal-finish", proposal), FACILITATE_POST),
    Case(
        "handover",
        "post",
        w("control-handover"),
        FACILITATE_POST,
        lambda c: {"user": c["people"]["participant"].pk},
    ),
    Case("invitation-revoke", "post", w("invitation-revoke", invitation), FACILITATE_POST),
    Case("share-link-revoke", "post", w("share-link-revoke", share_link), FACILITATE_POST),
    Case("comment-resolve", "post", w("comment-resolve", comment), FACILITATE_POST),
    # An invitation link is for its invitee: signed-out, they may open and answer it; anyone
    # signed in as somebody else is refused (403).
    Case(
        "invitation-open",
        "get",
        token_url("invitation-open", "invitation_token"),
        {**dict.fromkeys(PEOPLE, 403), "anonymous": 200},
    ),
    Case(
        "invitation-rsvp",
        "post",
        token_url("invitation-rsvp", "invitation_token"),
        {**dict.fromkeys(PEOPLE, 403), "anonymous": 302},
        lambda c: {"answer": "yes"},
    ),
    Case("share-public", "get", token_url("share-public", "share_token"), ANYONE),
    Case("share-events", "get", token_url("share-events", "share_token"), ANYONE),
    Case("share-public-comment", "get", token_url("share-public-comment", "share_token"), ANYONE),
    Case(
        "list",
        "get",
        lambda c: reverse("workshop-list", args=[c["workshop"].operating_model.slug]),
        READ,
    ),
    Case(
        "new",
        "get",
        lambda c: reverse("workshop-new", args=[c["workshop"].operating_model.slug]),
        MANAGE_MODEL,
    ),
    Case("detail", "get", w("workshop-detail"), READ),
    Case("edit", "get", w("workshop-edit"), FACILITATE_GET),
    Case("invite", "get", w("workshop-invite"), FACILITATE_GET),
    Case("room", "get", w("workshop-room"), READ),
    Case("room-bar", "get", w("room-bar"), READ),
    Case("room-controls", "get", w("room-controls"), FACILITATE_GET),
    Case("room-ballot", "get", w("room-ballot"), FACILITATE_GET),
    # one note as a browser appends it: the matrix's room is in breakout groups and the note
    # was written in the main room, so the groups' members (participant, viewer) get nothing
    Case("room-note", "get", w("room-note", note), {**READ, "participant": 204, "viewer": 204}),
    Case("room-presence", "get", w("room-presence"), READ),
    Case("room-notes", "get", w("room-notes"), READ),
    Case("room-proposals", "get", w("room-proposals"), READ),
    # a section of the room, loaded when it is opened (the matrix's workshop is on the stages)
    Case("room-section", "get", w("room-section", lambda c: "canvas-stages"), READ),
    Case(
        "room-section-not-in-workshop",
        "get",
        w("room-section", lambda c: "teams-squads"),
        {**READ, **{k: 404 for k in ("viewer", "editor", "participant", "facilitator")}},
    ),
    Case("refine", "get", w("workshop-refine"), READ),
    Case("socialise", "get", w("workshop-socialise"), READ),
    Case("share", "get", w("workshop-share"), READ),
    Case("share-comment-form", "get", w("workshop-share-comment"), READ),
    Case("summary", "get", w("workshop-summary"), READ),
    Case("proposal-new", "get", w("proposal-new"), TAKE_PART_GET),
    Case(
        "note-add", "post", w("note-add"), TAKE_PART_POST, lambda c: {"kind": "idea", "text": "Hi"}
    ),
    Case("vote", "post", w("vote"), TAKE_PART_POST, lambda c: {"note": c["note"].pk}),
    Case(
        "proposal-new-post",
        "post",
        w("proposal-new"),
        TAKE_PART_POST,
        lambda c: {"section": "canvas.stages", "kind": "idea", "rationale": "Rename it"},
    ),
    Case(
        "share-comment",
        "post",
        w("workshop-share"),
        {**READ, **{k: 302 for k in ("viewer", "editor", "participant", "facilitator")}},
        lambda c: {"text": "Typo"},
    ),
    Case("phase", "post", w("workshop-phase"), FACILITATE_POST, lambda c: {"to_phase": "refine"}),
    Case(
        "timer",
        "post",
        w("control-timer"),
        FACILITATE_POST,
        lambda c: {"action": "start", "minutes": 5},
    ),
    Case(
        "focus", "post", w("control-focus"), FACILITATE_POST, lambda c: {"section": "canvas.stages"}
    ),
    Case("reveal", "post", w("control-reveal"), FACILITATE_POST, lambda c: {"revealed": "on"}),
    # issue 15's facilitation: every control is the facilitator's alone
    Case("timer-next", "post", w("control-timer"), FACILITATE_POST, lambda c: {"action": "next"}),
    Case("writing", "post", w("control-writing"), FACILITATE_POST, lambda c: {"action": "start"}),
    Case(
        "writing-reveal",
        "post",
        w("control-writing"),
        FACILITATE_POST,
        lambda c: {"action": "reveal", "show_authors": "on"},
    ),
    Case("nudge", "post", w("control-nudge"), FACILITATE_POST),
    Case(
        "summon",
        "post",
        w("control-focus"),
        FACILITATE_POST,
        lambda c: {"section": f"canvas.stages:{c['stage'].pk}"},
    ),
    Case(
        "vote-proposal",
        "post",
        w("vote"),
        TAKE_PART_POST,
        lambda c: {"proposal": c["proposal"].pk},
    ),
    Case(
        "breakouts-split",
        "post",
        w("control-breakouts"),
        FACILITATE_POST,
        lambda c: {"action": "split", "groups": 2, "mode": "random"},
    ),
    Case(
        "breakouts-end",
        "post",
        w("control-breakouts"),
        FACILITATE_POST,
        lambda c: {"action": "end"},
    ),
    # a group's timer: the participant is in group 1 (their own), the facilitator names one;
    # the others are not in a group (404: no group of theirs)
    Case(
        "breakout-timer",
        "post",
        w("breakout-timer"),
        {**TAKE_PART_POST},
        lambda c: {"minutes": 5, "group": 1},
    ),
    Case("note-group", "post", w("note-group", note), FACILITATE_POST, lambda c: {"title": "Flow"}),
    Case(
        "decide",
        "post",
        w("proposal-decide", proposal),
        FACILITATE_POST,
        lambda c: {"decision": "park"},
    ),
    Case(
        "owner",
        "post",
        w("proposal-owner", proposal),
        FACILITATE_POST,
        lambda c: {"user": c["people"]["participant"].pk},
    ),
    Case("share-link", "post", w("share-link-new"), FACILITATE_POST),
    Case("next", "get", w("workshop-next"), FACILITATE_GET),
    Case(
        "next-save",
        "post",
        w("workshop-next"),
        FACILITATE_POST,
        lambda c: {
            "title": "Follow-up",
            "sections": ["canvas.stages"],
            "starts_at": "2030-01-02T10:00",
            "duration_minutes": "60",
            "vote_budget": "5",
        },
    ),
    Case(
        "attendee-add",
        "post",
        w("attendee-add"),
        FACILITATE_POST,
        lambda c: {"user": c["people"]["editor"].pk},
    ),
    Case(
        "invite-post",
        "post",
        w("workshop-invite"),
        FACILITATE_POST,
        lambda c: {"emails": "x@example.com", "role": "participant"},
    ),
]


def matrix_context(workshop, people) -> dict[str, Any]:
    """What the matrix's URLs point at: a note, a proposal, an invitation, a share link and a
    comment in ``workshop`` (also used by the project-wide URL audit)."""
    the_note = services.note_add(workshop=workshop, actor=people["participant"], text="Idea")
    the_proposal = services.proposal_create(
        workshop=workshop,
        actor=people["participant"],
        section="canvas.stages",
        kind=ProposalKind.IDEA,
        rationale="Merge stages",
    )
    invite = services.invitation_create(
        workshop=workshop,
        actor=people["facilitator"],
        email="invitee@example.com",
        base_url="http://testserver",
    )
    link = services.share_link_create(workshop=workshop, actor=people["facilitator"])
    the_comment = services.comment_add(workshop=workshop, actor=people["viewer"], text="Typo")
    # a breakout under way (the participant in group 1), for the group timer's URL
    services.attendee_add(workshop=workshop, actor=people["facilitator"], user=people["viewer"])
    services.breakouts_split(
        workshop=workshop, actor=people["facilitator"], groups=2, shuffle=False
    )
    return {
        "workshop": workshop,
        "people": people,
        "note": the_note,
        "proposal": the_proposal,
        "invitation": invite,
        "invitation_token": services.invitation_token(invite),
        "share_link": link,
        "share_token": services.share_token(link),
        "comment": the_comment,
        "stage": Stage.objects.filter(operating_model=workshop.operating_model).first(),
    }


@pytest.fixture
def ctx(workshop, people, other_om, make_user):
    other = make_user("other_model_participant")
    member_add(operating_model=other_om, actor=None, user=other, role=Role.PARTICIPANT)
    return matrix_context(workshop, {**people, "other_model_participant": other})


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permission_matrix(ctx, client_for, case):
    # One model per URL, every person in turn (the facilitator last: their POST may move on).
    got = {}
    for who in PEOPLE:
        user = None if who == "anonymous" else ctx["people"][who]
        url = case.url(ctx)
        data = case.data(ctx) if case.data else {}
        client = client_for(user)
        response = client.get(url) if case.method == "get" else client.post(url, data)
        got[who] = response.status_code
    assert got == case.expected


def test_the_facilitator_role_cannot_be_taken_by_a_model_facilitator(ctx, client_for, make_user):
    # another facilitator of the model is not the workshop's facilitator
    other = make_user("cofacilitator")
    workshop = ctx["workshop"]
    member_add(
        operating_model=workshop.operating_model, actor=None, user=other, role=Role.FACILITATOR
    )
    url = reverse("control-handover", args=[workshop.operating_model.slug, workshop.pk])
    assert client_for(other).post(url, {"user": other.pk}).status_code == 403
    workshop.refresh_from_db()
    assert workshop.facilitator == ctx["people"]["facilitator"]


def test_may_is_the_one_rule_for_notes_and_proposals(workshop, people):
    """``WorkshopAccess.may`` answers what the room's and the refine page's controls ask, for
    every role: the author or the facilitator removes a note; only the facilitator decides,
    and only while a proposal is open or parked; the owner or the facilitator finishes it."""
    from opmodel.access import access_for
    from workshops.access import workshop_access_for
    from workshops.models import ProposalStatus

    note = services.note_add(workshop=workshop, actor=people["participant"], text="Idea")
    proposal = services.proposal_create(
        workshop=workshop,
        actor=people["participant"],
        section="canvas.stages",
        kind=ProposalKind.IDEA,
        rationale="Merge stages",
    )
    proposal.owner = people["participant"]  # an owner is an attendee
    wrong = []
    for name in ["outsider", "viewer", "participant", "editor", "facilitator"]:
        user = people[name]
        wa = workshop_access_for(user, workshop, access_for(user, workshop.operating_model))
        runs = name == "facilitator"
        expected = {
            ("delete_note", "open"): runs or name == "participant",
            ("decide", "open"): runs,
            ("decide", "parked"): runs,
            ("decide", "accepted"): False,
            ("decide", "rejected"): False,
            ("finish", "accepted"): runs or name == "participant",
            ("run", None): runs,
        }
        for (action, status), allowed in expected.items():
            obj = note if action == "delete_note" else proposal
            if action in ("decide", "finish"):
                proposal.status = ProposalStatus(status)
            if wa.may(action, obj if action != "run" else None) != allowed:
                wrong.append((name, action, status))
    assert wrong == []
    with pytest.raises(ValueError, match="unknown workshop action"):
        wa.may("fly")


def test_may_the_view_and_the_service_agree_on_every_action_and_role(workshop, people, client_for):
    """One rule, asked in three places: for every person and every action on a note or a
    proposal, ``WorkshopAccess.may`` (what the templates show), the view (403 when refused) and
    the service (``PermissionDenied``) give the same answer. The owner who no longer takes part
    (demoted to viewer) may not finish (the view refused them while ``may`` said yes)."""
    from django.core.exceptions import PermissionDenied
    from django.db import transaction

    from opmodel.access import access_for
    from workshops.access import workshop_access_for
    from workshops.models import Proposal, ProposalStatus

    services.attendee_add(workshop=workshop, actor=people["facilitator"], user=people["viewer"])
    author = people["participant"]

    def fresh_note():
        return services.note_add(workshop=workshop, actor=author, text="Idea")

    def fresh_proposal(owner):
        proposal = services.proposal_create(
            workshop=workshop, actor=author, section="canvas.stages",
            kind=ProposalKind.IDEA, rationale="Merge stages",
        )  # fmt: skip
        Proposal.objects.filter(pk=proposal.pk).update(status=ProposalStatus.ACCEPTED, owner=owner)
        proposal.refresh_from_db()
        return proposal

    slug = workshop.operating_model.slug
    actions = {
        "delete_note": (
            fresh_note,
            lambda n: reverse("note-delete", args=[slug, workshop.pk, n.pk]),
            lambda n, actor: services.note_delete(note=n, actor=actor),
        ),
        "finish": (
            lambda: fresh_proposal(people["viewer"]),  # an attendee whose role cannot take part
            lambda p: reverse("proposal-finish", args=[slug, workshop.pk, p.pk]),
            lambda p, actor: services.proposal_finish(proposal=p, actor=actor),
        ),
        "finish_own": (
            lambda: fresh_proposal(people["participant"]),
            lambda p: reverse("proposal-finish", args=[slug, workshop.pk, p.pk]),
            lambda p, actor: services.proposal_finish(proposal=p, actor=actor),
        ),
    }
    answers: dict[tuple[str, str], tuple[bool, bool, bool]] = {}
    for name in ["viewer", "participant", "editor", "facilitator"]:
        user = people[name]
        client = client_for(user)
        for action, (make, url, serve) in actions.items():
            obj = make()
            target = url(obj)  # the service's delete clears the object's id
            wa = workshop_access_for(user, workshop, access_for(user, workshop.operating_model))
            allowed = wa.may(action.removesuffix("_own"), obj)
            try:
                with transaction.atomic():
                    serve(obj, user)
                    transaction.set_rollback(True)
                served = True
            except PermissionDenied:
                served = False
            viewed = client.post(target).status_code != 403
            answers[(name, action)] = (allowed, viewed, served)
    disagree = {k: v for k, v in answers.items() if len(set(v)) != 1}
    assert disagree == {}
    allowed = {k for k, v in answers.items() if v[0]}
    assert allowed == {
        ("participant", "delete_note"),
        ("participant", "finish_own"),
        ("facilitator", "delete_note"),
        ("facilitator", "finish"),
        ("facilitator", "finish_own"),
    }
