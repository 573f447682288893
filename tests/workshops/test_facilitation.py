"""The facilitator's tools of issue 15: the agenda's next block, who has dots left, private
writing, summoning everyone to an item, votes on proposals, and breakout groups."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from canvas.models import Stage
from tests.workshops.conftest import make_workshop
from workshops import selectors, services
from workshops.models import Note, Proposal, ProposalKind

pytestmark = [pytest.mark.engine, pytest.mark.django_db]


def said(event: dict) -> tuple:
    """What a room event tells every browser in the room: on which channel, which room, which
    of its partials to re-fetch, and who did it."""
    return (event["channel"], event["type"], event["workshop"], event["parts"], event["actor_id"])


@pytest.fixture
def room(small_om, people, make_user):
    """A live workshop: the facilitator, the participant and two more people in it."""
    workshop = make_workshop(small_om, people["facilitator"], allow_anonymous_notes=True)
    others = [make_user(f"guest{i}") for i in range(2)]
    from opmodel.models import Role
    from opmodel.services import member_add

    for user in [people["participant"], *others]:
        if user is not people["participant"]:
            member_add(
                operating_model=small_om,
                actor=people["facilitator"],
                user=user,
                role=Role.PARTICIPANT,
            )
        services.attendee_add(workshop=workshop, actor=people["facilitator"], user=user)
    workshop.others = others  # type: ignore[attr-defined]
    return workshop


# ---------- the timer of each agenda block ----------


def test_next_block_starts_the_blocks_in_order_and_stops_after_the_last(
    room, people, captured_events
):
    fac = people["facilitator"]
    assert services.next_block(room).title == "Warm-up"
    captured_events.clear()
    room = services.timer_next(workshop=room, actor=fac)
    assert room.current_block.title == "Warm-up" and room.timer_ends_at is not None
    assert captured_events[-1]["parts"] == ["bar"]
    assert [said(e) for e in captured_events] == [(room.channel, "room", room.pk, ["bar"], fac.pk)]
    assert services.next_block(room).title == "Journey"
    room = services.timer_next(workshop=room, actor=fac)
    assert room.current_block.title == "Journey"
    assert services.next_block(room) is None
    with pytest.raises(ValidationError, match="last block"):
        services.timer_next(workshop=room, actor=fac)
    with pytest.raises(PermissionDenied, match="facilitator"):
        services.timer_next(workshop=room, actor=people["participant"])
    assert len(captured_events) == 2  # one per block started; the refusals announce nothing


# ---------- who has not voted yet ----------


def test_ballots_count_dots_left_per_person_and_never_what_they_voted_for(
    room, people, captured_events
):
    note = services.note_add(workshop=room, actor=people["facilitator"], text="Idea")
    services.vote_add(workshop=room, actor=people["participant"], note=note)
    services.vote_add(workshop=room, actor=people["participant"], note=note)
    # while votes are hidden a dot changes only the facilitator's list for the others
    assert captured_events[-1]["parts"] == ["ballot"]
    ballots = {b.name: b for b in selectors.ballots(room)}
    assert (ballots["participant"].used, ballots["participant"].left) == (2, 3)
    assert all(ballots[u.username].left == 5 for u in room.others)
    assert list(ballots)[-1] == "participant"  # those with the most dots left first
    assert not hasattr(ballots["participant"], "votes")
    services.votes_reveal(workshop=room, actor=people["facilitator"], revealed=True)
    room.refresh_from_db()
    services.vote_add(workshop=room, actor=people["participant"], note=note)
    assert captured_events[-1]["parts"] == ["notes", "ballot"]  # once revealed, the totals too
    services.votes_nudge(workshop=room, actor=people["facilitator"])
    assert captured_events[-1]["nudge"] is True and "actor_id" in captured_events[-1]
    nudge = captured_events[-1]
    assert said(nudge) == (room.channel, "room", room.pk, [], people["facilitator"].pk)
    with pytest.raises(PermissionDenied):
        services.votes_nudge(workshop=room, actor=people["participant"])
    assert captured_events[-1] is nudge  # a refused nudge is announced to nobody


# ---------- private writing ----------


def test_private_notes_are_their_authors_until_revealed_all_at_once(room, people, captured_events):
    fac, nia = people["facilitator"], people["participant"]
    guest = room.others[0]
    room = services.private_writing_start(workshop=room, actor=fac)
    assert said(captured_events[-1]) == (room.channel, "room", room.pk, ["bar", "notes"], fac.pk)
    mine = services.note_add(workshop=room, actor=nia, text="Mine alone")
    services.note_add(workshop=room, actor=guest, text="Guest's", anonymous=True)
    assert captured_events[-1]["actor"] == ""  # the event does not say who is writing

    def texts(user):
        return {n.text for n in selectors.notes_for(room, user, room=True)}

    assert texts(nia) == {"Mine alone"}
    assert texts(guest) == {"Guest's"}
    assert texts(fac) == set()
    assert selectors.private_notes_of_others(room, fac) == 2
    with pytest.raises(ValidationError, match="not shown"):
        services.vote_add(workshop=room, actor=guest, note=mine)

    assert services.private_writing_reveal(workshop=room, actor=fac, show_authors=False) == 2
    assert said(captured_events[-1]) == (room.channel, "room", room.pk, ["bar", "notes"], fac.pk)
    room.refresh_from_db()
    assert not room.private_writing
    assert texts(fac) == texts(nia) == {"Mine alone", "Guest's"}
    shown = {n.text: n.shown_author for n in selectors.notes_for(room, fac, room=True)}
    assert shown == {"Mine alone": None, "Guest's": None}  # revealed without names
    # the author still sees their own name and keeps their rights; the anonymous one is
    # anonymous for good
    assert selectors.notes_for(room, nia, room=True)[0].shown_author == nia
    assert Note.objects.get(text="Guest's").author is None
    mine.refresh_from_db()
    services.vote_add(workshop=room, actor=guest, note=mine)


def test_revealing_with_names_shows_the_authors(room, people, captured_events):
    fac, nia = people["facilitator"], people["participant"]
    services.private_writing_start(workshop=room, actor=fac)
    services.note_add(workshop=room, actor=nia, text="Signed")
    captured_events.clear()
    services.private_writing_reveal(workshop=room, actor=fac, show_authors=True)
    assert selectors.notes_for(room, fac, room=True)[0].shown_author == nia
    assert [said(e) for e in captured_events] == [
        (room.channel, "room", room.pk, ["bar", "notes"], fac.pk)
    ]
    with pytest.raises(PermissionDenied):
        services.private_writing_start(workshop=room, actor=nia)
    with pytest.raises(PermissionDenied):
        services.private_writing_reveal(workshop=room, actor=nia, show_authors=True)
    assert len(captured_events) == 1  # refused: announced to nobody


# ---------- follow the facilitator / summon ----------


def test_summon_brings_everyone_to_one_item_of_a_focused_section(room, people, captured_events):
    stage = Stage.objects.filter(operating_model=room.operating_model).first()
    room = services.summon(
        workshop=room, actor=people["facilitator"], section="canvas.stages", part_id=stage.pk
    )
    assert (room.focus_section, room.focus_part_id) == ("canvas.stages", stage.pk)
    assert captured_events[-1]["focus"] == "canvas.stages"
    assert captured_events[-1]["focus_item"] == stage.pk
    summoned = captured_events[-1]
    assert said(summoned) == (room.channel, "room", room.pk, ["bar"], people["facilitator"].pk)
    with pytest.raises(ValidationError):  # not one of the workshop's sections
        services.summon(
            workshop=room, actor=people["facilitator"], section="teams.squads", part_id=1
        )
    with pytest.raises(ValidationError, match="no longer exists"):
        services.summon(
            workshop=room, actor=people["facilitator"], section="canvas.stages", part_id=10**9
        )
    with pytest.raises(PermissionDenied):
        services.summon(
            workshop=room, actor=people["participant"], section="canvas.stages", part_id=stage.pk
        )
    assert captured_events[-1] is summoned  # the refused summons are announced to nobody
    # focusing a whole section lets go of the item
    room = services.focus_set(workshop=room, actor=people["facilitator"], section="canvas.metrics")
    assert room.focus_part_id is None


# ---------- votes on proposals ----------


def test_proposals_take_dots_from_the_same_budget_while_open(room, people):
    nia = people["participant"]
    note = services.note_add(workshop=room, actor=nia, text="Idea")
    proposal = services.proposal_create(
        workshop=room, actor=nia, section="canvas.stages", kind=ProposalKind.IDEA, rationale="X"
    )
    for _ in range(3):
        services.vote_add(workshop=room, actor=nia, proposal=proposal)
    for _ in range(2):
        services.vote_add(workshop=room, actor=nia, note=note)
    with pytest.raises(services.VoteBudgetExceeded):
        services.vote_add(workshop=room, actor=nia, proposal=proposal)
    assert services.vote_remove(workshop=room, actor=nia, proposal=proposal)
    services.proposal_decide(
        proposal=proposal, actor=people["facilitator"], status="parked", note=""
    )
    with pytest.raises(ValidationError, match="open proposals"):
        services.vote_add(workshop=room, actor=nia, proposal=Proposal.objects.get(pk=proposal.pk))


# ---------- breakout groups ----------


def test_breakouts_split_everyone_but_the_facilitator_and_each_group_sees_its_own(
    room, people, captured_events
):
    fac, nia = people["facilitator"], people["participant"]
    before = services.note_add(workshop=room, actor=nia, text="Before the split")
    captured_events.clear()
    groups = services.breakouts_split(workshop=room, actor=fac, groups=2, shuffle=False)
    # every browser reloads: the room it shows is another one now
    assert [(said(e), e["reload"]) for e in captured_events] == [
        ((room.channel, "room", room.pk, ["bar"], fac.pk), True)
    ]
    room.refresh_from_db()
    members = dict(selectors.breakout_groups(room))
    assert sorted(len(m) for m in members.values()) == [1, 2]
    assert fac.pk not in {p.user.pk for m in members.values() for p in m}
    mine = services.breakout_of(room, nia)
    theirs = next(g for g in groups if g != mine)
    other = next(p.user for p in members[theirs])

    ours = services.note_add(workshop=room, actor=nia, text="Group idea")
    proposal = services.proposal_create(
        workshop=room, actor=nia, section="canvas.stages", kind=ProposalKind.IDEA, rationale="Y"
    )
    assert (ours.breakout, proposal.breakout) == (mine, mine)
    assert {n.text for n in selectors.notes_for(room, nia, room=True, breakout=mine)} == {
        "Group idea"
    }
    assert selectors.notes_for(room, other, room=True, breakout=theirs) == []
    assert selectors.proposals_for(room, other, room=True, breakout=theirs) == []
    assert len(selectors.notes_for(room, fac, room=True)) == 2  # the facilitator sees all
    with pytest.raises(ValidationError, match="not shown"):
        services.vote_add(workshop=room, actor=other, proposal=proposal)
    with pytest.raises(ValidationError, match="not shown"):
        services.vote_add(workshop=room, actor=nia, note=before)

    # each group has its own timer, run by its members (or the facilitator)
    captured_events.clear()
    services.breakout_timer_start(breakout=mine, actor=nia, minutes=7)
    with pytest.raises(ValidationError, match="members"):
        services.breakout_timer_start(breakout=mine, actor=other, minutes=7)
    assert [said(e) for e in captured_events] == [(room.channel, "room", room.pk, ["bar"], nia.pk)]
    assert "reload" not in captured_events[-1]

    # moved by hand, then brought back: every group's proposal converges in the main room
    captured_events.clear()
    services.breakout_assign(workshop=room, actor=fac, user=other, breakout=mine)
    assert services.breakout_of(room, other) == mine
    with pytest.raises(ValidationError, match="takes part"):
        services.breakout_assign(workshop=room, actor=fac, user=fac, breakout=mine)
    services.breakouts_end(workshop=room, actor=fac)
    # one for the move, one for the end; the refused move is announced to nobody
    assert [(said(e), e["reload"]) for e in captured_events] == [
        ((room.channel, "room", room.pk, ["bar"], fac.pk), True)
    ] * 2
    room.refresh_from_db()
    assert services.breakout_of(room, other) is None
    seen = selectors.proposals_for(room, other, room=True)
    assert [p.breakout for p in seen] == [mine]
    services.vote_add(workshop=room, actor=other, proposal=proposal)
    with pytest.raises(ValidationError, match="back in the main room"):
        services.breakout_timer_start(breakout=mine, actor=nia, minutes=7)


def test_breakouts_need_two_groups_at_least_and_the_facilitator(room, people, captured_events):
    captured_events.clear()
    with pytest.raises(ValidationError, match="2 to 3 groups"):
        services.breakouts_split(workshop=room, actor=people["facilitator"], groups=4)
    with pytest.raises(PermissionDenied):
        services.breakouts_split(workshop=room, actor=people["participant"], groups=2)
    with pytest.raises(PermissionDenied):
        services.breakouts_end(workshop=room, actor=people["participant"])
    assert captured_events == []  # refused: the room is told nothing


def test_a_shared_note_names_itself_and_each_browser_fetches_just_that_note(
    room, people, captured_events, client_for
):
    from django.urls import reverse

    fac, nia = people["facilitator"], people["participant"]
    note = services.note_add(workshop=room, actor=nia, text="Appended, not re-fetched")
    assert captured_events[-1]["append"] == {"part": "notes", "id": note.pk}
    url = reverse("room-note", args=[room.operating_model.slug, room.pk, note.pk])
    answer = client_for(fac).get(url, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    html = answer.content.decode()
    assert html.strip().startswith(f'<li class="note note-idea" id="note-{note.pk}"')
    assert "Appended, not re-fetched" in html and "Put a dot on this note" in html

    # a private note names nothing, and fetching it gives others nothing
    services.private_writing_start(workshop=room, actor=fac)
    room.refresh_from_db()
    secret = services.note_add(workshop=room, actor=nia, text="Secret")
    assert "append" not in captured_events[-1]
    url = reverse("room-note", args=[room.operating_model.slug, room.pk, secret.pk])
    assert client_for(fac).get(url).status_code == 204
    assert client_for(nia).get(url).status_code == 200
