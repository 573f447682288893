"""The workshop loop's services: phases, proposals applied through the core, notes, votes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from canvas.models import Stage
from opmodel import services as core
from opmodel.registry import registry
from tests.workshops.conftest import make_workshop
from workshops import services
from workshops.models import (
    Comment,
    Note,
    Phase,
    PhaseChange,
    Proposal,
    ProposalKind,
    ProposalStatus,
    Vote,
    Workshop,
)

pytestmark = [pytest.mark.engine, pytest.mark.django_db]

ORDER = [Phase.INVITE, Phase.WORKSHOP, Phase.REFINE, Phase.SOCIALISE, Phase.DONE]


@pytest.mark.parametrize("start", ORDER)
@pytest.mark.parametrize("target", ORDER)
def test_every_transition_is_allowed_one_step_forward_or_back_with_a_reason(
    small_om, people, start, target
):
    workshop = make_workshop(small_om, people["facilitator"], phase=start)
    i, j = ORDER.index(start), ORDER.index(target)
    before = PhaseChange.objects.filter(workshop=workshop).count()
    if j == i + 1:
        services.workshop_transition(
            workshop=workshop, actor=people["facilitator"], to_phase=target
        )
    elif j == i - 1:
        with pytest.raises(ValidationError, match="Say why"):
            services.workshop_transition(
                workshop=workshop, actor=people["facilitator"], to_phase=target
            )
        services.workshop_transition(
            workshop=workshop, actor=people["facilitator"], to_phase=target, reason="Not ready"
        )
    else:
        with pytest.raises(ValidationError):
            services.workshop_transition(
                workshop=workshop, actor=people["facilitator"], to_phase=target, reason="Skip"
            )
        workshop.refresh_from_db()
        assert workshop.phase == start
        assert PhaseChange.objects.filter(workshop=workshop).count() == before
        return
    workshop.refresh_from_db()
    assert workshop.phase == target
    change = PhaseChange.objects.filter(workshop=workshop).last()
    assert (change.from_phase, change.to_phase, change.actor) == (
        start,
        target,
        people["facilitator"],
    )


def test_only_the_facilitator_moves_the_workshop_and_unknown_phases_are_refused(workshop, people):
    with pytest.raises(PermissionDenied, match="facilitator"):
        services.workshop_transition(
            workshop=workshop, actor=people["editor"], to_phase=Phase.REFINE
        )
    with pytest.raises(ValidationError, match="no phase"):
        services.workshop_transition(
            workshop=workshop, actor=people["facilitator"], to_phase="party"
        )


def test_starting_the_workshop_stamps_its_start_once(small_om, people):
    workshop = make_workshop(small_om, people["facilitator"], phase=Phase.WORKSHOP)
    started = workshop.started_at
    assert started is not None
    services.workshop_transition(
        workshop=workshop, actor=people["facilitator"], to_phase=Phase.INVITE, reason="Redo"
    )
    again = services.workshop_transition(
        workshop=workshop, actor=people["facilitator"], to_phase=Phase.WORKSHOP
    )
    assert again.started_at == started


def stage(om, name="Build") -> Stage:
    return Stage.objects.get(operating_model=om, name=name)


def propose_rename(workshop, people, new_name="Construct", who="participant"):
    row = stage(workshop.operating_model)
    return services.proposal_create(
        workshop=workshop,
        actor=people[who],
        section="canvas.stages",
        kind=ProposalKind.CHANGE,
        part=row,
        data={"name": new_name, "description": row.description, "outcome": row.outcome},
        rationale="Clearer",
    )


def test_a_change_proposal_keeps_only_the_changed_fields(workshop, people, captured_events):
    proposal = propose_rename(workshop, people)
    assert captured_events.one(type="room")["parts"] == ["proposals"]
    assert proposal.changes == {"name": "Construct"}
    assert proposal.display["name"]["old"] == "Build" and proposal.number == 1
    assert proposal.base_revision == stage(workshop.operating_model).revision
    with pytest.raises(ValidationError, match="at least one field"):
        propose_rename(workshop, people, new_name="Build")


def test_accepting_applies_through_the_services_with_the_decision_in_history(
    workshop, people, captured_events
):
    from opmodel.versions import diff_documents, snapshot_build
    from opmodel.versions.timeline import diff_authors

    before = snapshot_build(workshop.operating_model)
    proposal = propose_rename(workshop, people)
    accepted = services.proposal_accept(proposal=proposal, actor=people["facilitator"])
    assert accepted.status == ProposalStatus.ACCEPTED and accepted.applied_at
    assert accepted.finished_at and not accepted.conflict
    row = Stage.objects.get(pk=proposal.part_id)
    assert row.name == "Construct" and row.revision == 2
    # the model's pages hear of the change, the room of its proposal list
    change = captured_events.one(type="change")
    assert (change["section"], change["id"], change["revision"]) == ("canvas.stages", row.pk, 2)
    assert change["actor_id"] == people["facilitator"].pk
    assert [e["parts"] for e in captured_events.of(type="room")] == [["proposals"]] * 2
    latest = row.history.first()
    assert latest.history_user == people["facilitator"]
    assert latest.history_change_reason == (
        f"Workshop {workshop.title}: proposal #1 accepted by facilitator"
        f" · proposed by {proposal.author.username}"
    )
    # a release's "who" names the proposer as well as the facilitator who applied it
    diff = diff_documents(before, snapshot_build(workshop.operating_model))
    diff_authors(workshop.operating_model, diff, None, None)
    (change,) = [c for s in diff.changed_sections for c in s.rows]
    assert change.who == sorted(["facilitator", proposal.author.username])


def test_a_stale_proposal_is_a_conflict_and_is_not_applied(workshop, people):
    proposal = propose_rename(workshop, people)
    row = stage(workshop.operating_model)
    core.part_update(
        section=registry.get("canvas.stages"),
        part=row,
        revision=row.revision,
        actor=people["editor"],
        data={"name": "Make"},
    )
    result = services.proposal_accept(proposal=proposal, actor=people["facilitator"])
    assert result.status == ProposalStatus.OPEN
    assert result.conflict["fields"] == ["name"]
    assert result.conflict["theirs"]["name"]["value"] == "Make"
    row.refresh_from_db()
    assert row.name == "Make" and row.revision == 2  # not overwritten
    # the facilitator, having seen both, applies it on top of the current version
    applied = services.proposal_accept(
        proposal=proposal, actor=people["facilitator"], on_current=True
    )
    row.refresh_from_db()
    assert applied.status == ProposalStatus.ACCEPTED and row.name == "Construct"


def test_a_change_to_other_fields_since_merges_with_the_proposal(workshop, people):
    proposal = propose_rename(workshop, people)
    row = stage(workshop.operating_model)
    core.part_update(
        section=registry.get("canvas.stages"),
        part=row,
        revision=row.revision,
        actor=people["editor"],
        data={"outcome": "Working software"},
    )
    services.proposal_accept(proposal=proposal, actor=people["facilitator"])
    row.refresh_from_db()
    assert (row.name, row.outcome) == ("Construct", "Working software")


def test_a_proposal_on_a_deleted_row_is_a_conflict(workshop, people):
    proposal = propose_rename(workshop, people)
    row = stage(workshop.operating_model)
    core.part_delete(
        section=registry.get("canvas.stages"),
        part=row,
        revision=row.revision,
        actor=people["editor"],
    )
    result = services.proposal_accept(proposal=proposal, actor=people["facilitator"])
    assert result.conflict["deleted"] is True and result.status == ProposalStatus.OPEN


def test_add_and_delete_proposals_apply_and_words_wait_for_their_owner(workshop, people):
    om = workshop.operating_model
    add = services.proposal_create(
        workshop=workshop,
        actor=people["participant"],
        section="canvas.stages",
        kind=ProposalKind.ADD,
        data={"name": "Retire", "description": "", "outcome": ""},
    )
    delete = services.proposal_create(
        workshop=workshop,
        actor=people["participant"],
        section="canvas.stages",
        kind=ProposalKind.DELETE,
        part=stage(om, "Run"),
    )
    words = services.proposal_create(
        workshop=workshop,
        actor=people["participant"],
        section="canvas.metrics",
        kind=ProposalKind.IDEA,
        rationale="Move the Kafka platform accountability to the platform squad",
    )
    for p in (add, delete, words):
        services.proposal_accept(proposal=p, actor=people["facilitator"])
    assert Stage.objects.filter(operating_model=om, name="Retire").exists()
    assert not Stage.objects.filter(operating_model=om, name="Run").exists()
    words.refresh_from_db()
    assert words.status == ProposalStatus.ACCEPTED and words.finished_at is None
    assert words.owner == people["participant"]
    services.proposal_finish(proposal=words, actor=people["participant"])
    words.refresh_from_db()
    assert words.finished_at is not None
    created = Stage.objects.get(operating_model=om, name="Retire")
    assert "proposal #1 accepted" in created.history.first().history_change_reason


def test_only_the_workshop_facilitator_decides(workshop, people, captured_events):
    proposal = propose_rename(workshop, people)
    with pytest.raises(PermissionDenied):
        services.proposal_accept(proposal=proposal, actor=people["editor"])
    assert len(captured_events.of(type="room")) == 1  # the proposal's own; none for the refusal
    services.proposal_decide(proposal=proposal, actor=people["facilitator"], status="parked")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PARKED
    decided = captured_events.of(type="room")[-1]
    assert (decided["parts"], decided["actor_id"]) == (["proposals"], people["facilitator"].pk)


def test_anonymous_notes_only_when_allowed_and_then_without_author(small_om, people):
    closed = make_workshop(small_om, people["facilitator"])
    with pytest.raises(ValidationError, match="anonymous"):
        services.note_add(workshop=closed, actor=people["facilitator"], text="Hm", anonymous=True)
    open_ = make_workshop(small_om, people["facilitator"], allow_anonymous_notes=True)
    note = services.note_add(workshop=open_, actor=people["facilitator"], text="Hm", anonymous=True)
    assert note.author is None


def test_notes_name_an_existing_item_of_a_focused_section(workshop, people):
    row = stage(workshop.operating_model)
    note = services.note_add(
        workshop=workshop,
        actor=people["participant"],
        text="Too vague",
        kind="concern",
        section="canvas.stages",
        part_id=row.pk,
    )
    assert note.part_label == "Build"
    with pytest.raises(ValidationError):
        services.note_add(
            workshop=workshop, actor=people["participant"], text="x", section="canvas.skills"
        )
    with pytest.raises(ValidationError):
        services.note_add(
            workshop=workshop,
            actor=people["participant"],
            text="x",
            section="canvas.stages",
            part_id=999999,
        )


def test_the_vote_budget_is_enforced_and_dots_can_be_taken_back(workshop, people, captured_events):
    note = services.note_add(workshop=workshop, actor=people["participant"], text="Idea")
    assert "notes" in captured_events.one(type="room")["parts"]
    for _ in range(workshop.vote_budget):
        services.vote_add(workshop=workshop, actor=people["participant"], note=note)
    with pytest.raises(services.VoteBudgetExceeded):
        services.vote_add(workshop=workshop, actor=people["participant"], note=note)
    assert services.vote_remove(workshop=workshop, actor=people["participant"], note=note)
    services.vote_add(workshop=workshop, actor=people["participant"], note=note)
    assert Vote.objects.filter(voter=people["participant"]).count() == workshop.vote_budget


def test_people_outside_the_workshop_cannot_vote(workshop, people):
    note = services.note_add(workshop=workshop, actor=people["participant"], text="Idea")
    with pytest.raises(ValidationError, match="in the workshop"):
        services.vote_add(workshop=workshop, actor=people["viewer"], note=note)


def test_the_room_closes_after_the_workshop_phase(small_om, people):
    workshop = make_workshop(small_om, people["facilitator"], phase=Phase.REFINE)
    with pytest.raises(ValidationError, match="closed"):
        services.note_add(workshop=workshop, actor=people["facilitator"], text="Late")


def test_facilitation_is_handed_over_never_taken(workshop, people, captured_events):
    services.attendee_add(workshop=workshop, actor=people["facilitator"], user=people["editor"])
    assert captured_events.one(type="room")["parts"] == ["presence"]
    with pytest.raises(PermissionDenied):  # nobody takes it
        services.facilitation_handover(
            workshop=workshop, actor=people["editor"], to_user=people["editor"]
        )
    with pytest.raises(ValidationError, match="editor or facilitator"):
        services.facilitation_handover(
            workshop=workshop, actor=people["facilitator"], to_user=people["participant"]
        )
    assert len(captured_events.of(type="room")) == 1  # a refused handover tells nobody
    services.facilitation_handover(
        workshop=workshop, actor=people["facilitator"], to_user=people["editor"]
    )
    workshop.refresh_from_db()
    assert workshop.facilitator == people["editor"]
    handed = captured_events.of(type="room")[-1]
    assert (handed["parts"], handed["reload"]) == (["bar", "presence", "notes", "proposals"], True)
    with pytest.raises(PermissionDenied):  # the old facilitator cannot take it back
        services.timer_stop(workshop=workshop, actor=people["facilitator"])


def test_timer_focus_and_reveal(workshop, people, captured_events):
    block = workshop.agenda.last()
    w = services.timer_start(workshop=workshop, actor=people["facilitator"], block=block)
    assert w.current_block == block
    assert w.timer_ends_at > timezone.now() + timedelta(minutes=29)
    assert captured_events.one(type="room")["parts"] == ["bar"]
    w = services.focus_set(workshop=w, actor=people["facilitator"], section="canvas.metrics")
    assert w.focus_section == "canvas.metrics"
    focused = captured_events.of(type="room")[-1]
    assert (focused["parts"], focused["focus"]) == (["bar"], "canvas.metrics")
    with pytest.raises(ValidationError):
        services.focus_set(workshop=w, actor=people["facilitator"], section="canvas.skills")
    assert len(captured_events.of(type="room")) == 2  # a refused focus tells nobody
    w = services.votes_reveal(workshop=w, actor=people["facilitator"], revealed=True)
    assert w.votes_revealed
    revealed = captured_events.of(type="room")[-1]
    assert revealed["parts"] == ["bar", "notes", "proposals"]
    w = services.timer_stop(workshop=w, actor=people["facilitator"])
    assert w.timer_ends_at is None
    assert captured_events.of(type="room")[-1]["parts"] == ["bar"]
    assert len(captured_events.of(type="room")) == 4
    assert {e["workshop"] for e in captured_events.of(type="room")} == {workshop.pk}
    assert {e["channel"] for e in captured_events.of(type="room")} == {workshop.channel}


def test_the_next_workshop_starts_from_open_comments_and_parked_proposals(workshop, people):
    parked = propose_rename(workshop, people)
    services.proposal_decide(proposal=parked, actor=people["facilitator"], status="parked")
    rejected = propose_rename(workshop, people, new_name="Craft")
    services.proposal_decide(proposal=rejected, actor=people["facilitator"], status="rejected")
    link = services.share_link_create(workshop=workshop, actor=people["facilitator"])
    services.comment_add(
        workshop=workshop,
        share_link=link,
        author_name="Ann",
        text="Typo in Build",
        section="canvas.stages",
        part_id=stage(workshop.operating_model).pk,
    )
    resolved = services.comment_add(workshop=workshop, actor=people["viewer"], text="Done")
    services.comment_resolve(comment=resolved, actor=people["facilitator"])
    follow_up = services.workshop_plan_next(workshop=workshop, actor=people["facilitator"])
    assert follow_up.previous == workshop and follow_up.phase == Phase.INVITE
    assert follow_up.sections == workshop.sections
    notes = list(Note.objects.filter(workshop=follow_up))
    assert [n.text for n in notes] == ["Comment from Ann (guest): Typo in Build"]
    assert notes[0].section == "canvas.stages"
    carried = list(Proposal.objects.filter(workshop=follow_up))
    assert [(p.carried_from, p.status, p.number) for p in carried] == [
        (parked, ProposalStatus.OPEN, 1)
    ]
    assert Comment.objects.filter(carried_to=follow_up).count() == 1


def test_planning_the_next_workshop_creates_nothing_until_saved_and_carries_the_attendees(
    workshop, people, client_for
):
    client = client_for(people["facilitator"])
    url = reverse("workshop-next", args=[workshop.operating_model.slug, workshop.pk])
    form = client.get(url)
    assert form.status_code == 200 and "follow-up" in form.content.decode()
    assert Workshop.objects.filter(previous=workshop).count() == 0  # a cancel leaves nothing
    data = {
        "title": "Second round",
        "sections": list(workshop.sections),
        "starts_at": "2030-01-02T10:00",
        "duration_minutes": "60",
        "vote_budget": "5",
        "agenda": "10 Warm-up",
    }
    assert client.post(url, data).status_code == 302
    follow_up = Workshop.objects.get(previous=workshop)
    assert follow_up.title == "Second round"
    assert set(follow_up.attendees.values_list("user_id", flat=True)) == set(
        workshop.attendees.values_list("user_id", flat=True)
    )


def test_a_phase_change_tells_every_room_its_new_phase(workshop, people, captured_events):
    services.workshop_transition(
        workshop=workshop, actor=people["facilitator"], to_phase=Phase.REFINE
    )
    # the room loads again for the new phase (no note form or "Propose" left in refine)
    sent = captured_events.of(type="room", workshop=workshop.pk)
    assert [m["phase"] for m in sent if "phase" in m] == ["refine"]
    assert {m["channel"] for m in sent} == {workshop.channel}


def test_refine_has_a_button_to_move_on(small_om, people, client_for):
    workshop = make_workshop(small_om, people["facilitator"], phase=Phase.REFINE)
    url = reverse("workshop-refine", args=[small_om.slug, workshop.pk])
    assert "Move on to Socialise" in client_for(people["facilitator"]).get(url).content.decode()
    assert "Move on to" not in client_for(people["participant"]).get(url).content.decode()


# ---------- what each of the room's other services announces ----------


def said(event: dict) -> tuple:
    """What a room event tells every browser in the room: on which channel, which room, which
    of its partials to re-fetch, and who did it."""
    return (event["channel"], event["type"], event["workshop"], event["parts"], event["actor_id"])


def test_an_owner_named_and_a_change_finished_are_announced_and_refusals_are_not(
    workshop, people, captured_events
):
    fac, nia = people["facilitator"], people["participant"]
    words = services.proposal_create(
        workshop=workshop,
        actor=nia,
        section="canvas.stages",
        kind=ProposalKind.IDEA,
        rationale="Name an owner for the Build stage",
    )
    with pytest.raises(ValidationError, match="accepted"):
        services.proposal_finish(proposal=words, actor=fac)
    words = services.proposal_accept(proposal=words, actor=fac)
    services.attendee_add(workshop=workshop, actor=fac, user=people["editor"])
    captured_events.clear()
    with pytest.raises(PermissionDenied):
        services.proposal_set_owner(proposal=words, actor=nia, owner=nia)
    services.proposal_set_owner(proposal=words, actor=fac, owner=people["editor"])
    with pytest.raises(PermissionDenied):
        services.proposal_finish(proposal=words, actor=nia)  # no longer its owner
    services.proposal_finish(proposal=words, actor=people["editor"])
    assert [said(e) for e in captured_events] == [
        (workshop.channel, "room", workshop.pk, ["proposals"], fac.pk),
        (workshop.channel, "room", workshop.pk, ["proposals"], people["editor"].pk),
    ]


def test_a_note_grouped_and_deleted_is_announced_and_refusals_are_not(
    workshop, people, captured_events
):
    fac, nia = people["facilitator"], people["participant"]
    note = services.note_add(workshop=workshop, actor=nia, text="Group me")
    captured_events.clear()
    with pytest.raises(PermissionDenied):
        services.note_group(note=note, actor=nia, title="Theme")
    services.note_group(note=note, actor=fac, title="Theme")
    assert note.group.title == "Theme"
    with pytest.raises(PermissionDenied):
        services.note_delete(note=note, actor=people["editor"])
    services.note_delete(note=note, actor=nia)
    assert not Note.objects.filter(pk=note.pk).exists()
    assert [said(e) for e in captured_events] == [
        (workshop.channel, "room", workshop.pk, ["notes"], fac.pk),
        (workshop.channel, "room", workshop.pk, ["notes"], nia.pk),
    ]


def test_presence_is_announced_for_the_room_s_people_only(workshop, people, captured_events):
    nia = people["participant"]
    captured_events.clear()
    services.presence_join(workshop=workshop, user=nia)
    services.presence_join(workshop=workshop, user=people["outsider"])  # not in the workshop
    services.presence_leave(workshop=workshop, user=nia)
    services.presence_leave(workshop=workshop, user=nia)  # gone already
    assert [said(e) for e in captured_events] == [
        (workshop.channel, "room", workshop.pk, ["presence"], nia.pk)
    ] * 2


def test_comments_added_and_resolved_are_announced_and_a_nameless_one_is_refused(
    workshop, people, captured_events
):
    captured_events.clear()
    ours = services.comment_add(workshop=workshop, actor=people["viewer"], text="Looks right")
    link = services.share_link_create(workshop=workshop, actor=people["facilitator"])
    services.comment_add(workshop=workshop, share_link=link, author_name="Ann", text="Typo")
    with pytest.raises(ValidationError, match="members or share-link holders"):
        services.comment_add(workshop=workshop, text="From nowhere")
    services.comment_resolve(comment=ours, actor=people["facilitator"])
    assert [said(e) for e in captured_events] == [
        (workshop.channel, "room", workshop.pk, ["comments"], people["viewer"].pk),
        (workshop.channel, "room", workshop.pk, ["comments"], None),  # a guest has no account
        (workshop.channel, "room", workshop.pk, ["comments"], people["facilitator"].pk),
    ]
    assert captured_events[1]["actor"] == ""


def test_the_timer_extended_and_the_workshop_edited_are_announced_on_the_bar(
    workshop, people, captured_events
):
    fac = people["facilitator"]
    captured_events.clear()
    extended = services.timer_extend(workshop=workshop, actor=fac, minutes=5)
    assert extended.timer_ends_at > timezone.now() + timedelta(minutes=4)
    with pytest.raises(PermissionDenied):
        services.timer_extend(workshop=workshop, actor=people["participant"], minutes=5)
    edit = {
        "title": "Renamed",
        "sections": ["canvas.stages"],
        "starts_at": workshop.starts_at,
        "agenda": [("Warm-up", 5)],
    }
    with pytest.raises(PermissionDenied):
        services.workshop_update(workshop=workshop, actor=people["participant"], **edit)
    updated = services.workshop_update(workshop=workshop, actor=fac, **edit)
    assert (updated.title, updated.sections) == ("Renamed", ["canvas.stages"])
    assert [said(e) for e in captured_events] == [
        (workshop.channel, "room", workshop.pk, ["bar"], fac.pk)
    ] * 2


def test_an_accepted_invitation_puts_its_person_in_the_room_and_a_used_one_nobody(
    workshop, people, make_user, captured_events
):
    from opmodel.access import role_of
    from opmodel.models import Role
    from opmodel.services import InvitationRefused
    from workshops.models import Invitation

    def invite(email: str) -> Invitation:
        return services.invitation_create(
            workshop=workshop,
            actor=people["facilitator"],
            email=email,
            role=Role.PARTICIPANT,
            base_url="http://testserver",
        )

    stranger = make_user("stranger")
    first = invite(stranger.email)
    second = invite("newcomer@example.com")
    captured_events.clear()
    services.invitation_accept(invitation=first, user=stranger)
    with pytest.raises(InvitationRefused):
        services.invitation_accept(invitation=first, user=make_user("latecomer"))
    newcomer, _ = services.invitation_accept_as_new_person(
        invitation=second, name="New Comer", password="pw-123456"
    )
    assert role_of(stranger, workshop.operating_model) == Role.PARTICIPANT
    # the room's list of who is there changes; the model's membership is no row of a section
    assert [said(e) for e in captured_events] == [
        (workshop.channel, "room", workshop.pk, ["presence"], stranger.pk),
        (workshop.channel, "room", workshop.pk, ["presence"], newcomer.pk),
    ]
