"""The live room under load, through HTTP: 30 people adding notes and votes, fixed queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from canvas.models import Stage
from opmodel import services as core
from opmodel.models import Role
from opmodel.registry import registry
from opmodel.services import member_add
from tests.workshops.conftest import make_workshop
from workshops import services
from workshops.models import Note, ProposalKind, Vote

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(workshop, name, *extra):
    return reverse(name, args=[workshop.operating_model.slug, workshop.pk, *extra])


LAZY = re.compile(
    r'<section class="panel room-lazy"[^>]*data-lazy-url="([^"]+)".*?</section>', re.S
)


def opened(client, html: str) -> str:
    """The room ``html`` as a browser shows it once every section has been opened: each lazy
    placeholder replaced by what its URL answers (the room-section endpoint)."""

    def fetch(match: re.Match[str]) -> str:
        response = client.get(match.group(1), **HTMX)
        assert response.status_code == 200, match.group(1)
        return response.content.decode()

    return LAZY.sub(fetch, html)


def queries(client, target) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(target).status_code == 200
    return len(ctx.captured_queries)


def test_thirty_people_add_notes_and_vote_and_the_room_costs_the_same(
    workshop, people, make_user, client_for
):
    facilitator = client_for(people["facilitator"])
    room = url(workshop, "workshop-room")
    services.note_add(workshop=workshop, actor=people["facilitator"], text="Seed")
    before = {
        name: queries(facilitator, url(workshop, name))
        for name in ("workshop-room", "room-notes", "room-proposals", "room-presence", "room-bar")
    }

    crowd = [make_user(f"p{i:02d}") for i in range(30)]
    for user in crowd:
        services.attendee_add(workshop=workshop, actor=people["facilitator"], user=user)
        member_add(
            operating_model=workshop.operating_model, actor=None, user=user, role=Role.PARTICIPANT
        )
    clients = [client_for(u) for u in crowd]
    for i, client in enumerate(clients):
        response = client.post(
            url(workshop, "note-add"), {"kind": "idea", "text": f"Idea {i}"}, **HTMX
        )
        assert response.status_code == 200 and f"Idea {i}".encode() in response.content
    notes = list(Note.objects.filter(workshop=workshop).order_by("pk"))
    assert len(notes) == 31
    for i, client in enumerate(clients):
        for k in range(workshop.vote_budget):
            target = notes[(i + k) % len(notes)]
            response = client.post(url(workshop, "vote"), {"note": target.pk}, **HTMX)
            assert response.status_code == 200
        over = client.post(url(workshop, "vote"), {"note": notes[0].pk}, **HTMX)
        assert over.status_code == 409 and "used all" in over["HX-Trigger"]
    assert Vote.objects.filter(workshop=workshop).count() == 30 * workshop.vote_budget
    assert Note.objects.filter(workshop=workshop).count() == 31

    after = {name: queries(facilitator, url(workshop, name)) for name in before}
    assert after == before  # fixed queries, however many notes and dots
    assert before["workshop-room"] <= 25
    assert facilitator.get(room).status_code == 200


def test_votes_stay_hidden_until_revealed(workshop, people, client_for):
    note = services.note_add(workshop=workshop, actor=people["participant"], text="Hidden")
    services.vote_add(workshop=workshop, actor=people["facilitator"], note=note)
    services.vote_add(workshop=workshop, actor=people["facilitator"], note=note)
    participant = client_for(people["participant"])
    notes = participant.get(url(workshop, "room-notes")).content.decode()
    assert 'data-total="2"' not in notes and "of your dots" not in notes
    services.votes_reveal(workshop=workshop, actor=people["facilitator"], revealed=True)
    notes = participant.get(url(workshop, "room-notes")).content.decode()
    assert 'data-total="2"' in notes


def test_a_note_without_javascript_posts_and_comes_back(workshop, people, client_for):
    client = client_for(people["participant"])
    response = client.post(url(workshop, "note-add"), {"kind": "question", "text": "Why?"})
    assert response.status_code == 302 and response["Location"].endswith("#room-notes")
    assert Note.objects.filter(text="Why?", author=people["participant"]).exists()


def test_an_invalid_note_keeps_what_was_typed(workshop, people, client_for):
    client = client_for(people["participant"])
    response = client.post(url(workshop, "note-add"), {"kind": "idea", "text": "x" * 2100}, **HTMX)
    assert response.status_code == 422 and ("x" * 2100).encode() in response.content


def test_proposing_a_field_change_through_the_sections_form(workshop, people, client_for):
    stage = Stage.objects.get(operating_model=workshop.operating_model, name="Build")
    client = client_for(people["participant"])
    form_url = url(workshop, "proposal-new")
    page = client.get(form_url, {"section": "canvas.stages", "item": stage.pk, "kind": "change"})
    assert page.status_code == 200 and b'name="f-name"' in page.content
    response = client.post(
        form_url,
        {
            "section": "canvas.stages",
            "item": stage.pk,
            "kind": "change",
            "revision": stage.revision,
            "f-name": "Construct",
            "f-description": stage.description,
            "f-outcome": stage.outcome,
            "rationale": "Clearer",
        },
    )
    assert response.status_code == 302
    proposal = workshop.proposals.get()
    assert proposal.changes == {"name": "Construct"} and proposal.kind == ProposalKind.CHANGE
    # the facilitator accepts it from the room (htmx): applied, shown as accepted
    facilitator = client_for(people["facilitator"])
    decided = facilitator.post(
        url(workshop, "proposal-decide", proposal.pk), {"decision": "accept"}, **HTMX
    )
    assert decided.status_code == 200 and b"status-accepted" in decided.content
    stage.refresh_from_db()
    assert stage.name == "Construct"


def test_a_conflicting_accept_answers_409_with_both_versions(workshop, people, client_for):
    stage = Stage.objects.get(operating_model=workshop.operating_model, name="Build")
    proposal = services.proposal_create(
        workshop=workshop,
        actor=people["participant"],
        section="canvas.stages",
        kind="change",
        part=stage,
        data={"name": "Construct"},
    )
    core.part_update(
        section=registry.get("canvas.stages"),
        part=stage,
        revision=stage.revision,
        actor=people["editor"],
        data={"name": "Make"},
    )
    response = client_for(people["facilitator"]).post(
        url(workshop, "proposal-decide", proposal.pk), {"decision": "accept"}, **HTMX
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Conflict" in body and "Make" in body and "Construct" in body
    assert "Apply on top of the current version" in body


def test_proposing_from_the_room_stays_in_its_dialog(workshop, people, client_for):
    participant = client_for(people["participant"])
    stage = Stage.objects.filter(operating_model=workshop.operating_model).first()
    target = url(workshop, "proposal-new")
    picked = participant.get(target, {"section": "canvas.stages"}, **HTMX)
    assert picked.status_code == 200
    assert picked.content.decode().lstrip().startswith('<div id="proposal-body"')
    assert b"<html" not in picked.content  # the dialog's body, not a page
    data = {"section": "canvas.stages", "kind": "change", "item": stage.pk}
    data["revision"] = stage.revision
    refused = participant.post(target, {**data, "f-name": "", "rationale": "Why"}, **HTMX)
    assert refused.status_code == 422 and b'id="proposal-body"' in refused.content
    assert b"Why" in refused.content  # what was typed stays
    added = participant.post(target, {**data, "f-name": "Construct", "rationale": "Why"}, **HTMX)
    assert added.status_code == 200 and added.content == b""
    assert "opmodel:dialog-close" in added["HX-Trigger"]
    assert workshop.proposals.get().changes == {"name": "Construct"}


@pytest.mark.parametrize(
    "sections",
    [
        ["teams.accountabilities"],
        ["teams.accountabilities", "teams.capabilities"],
        ["teams.capabilities", "teams.accountabilities"],
    ],
)
def test_the_room_shows_the_accountabilities_as_the_matrix_once(sections, om, people, client_for):
    workshop = make_workshop(om, people["facilitator"], sections=sections)
    client = client_for(people["facilitator"])
    html = opened(client, client.get(url(workshop, "workshop-room")).content.decode())
    assert html.count('class="panel matrix-panel"') == 1
    assert 'class="panel answers-panel"' not in html  # not the flat list of every role
    for key in sections:  # each focused section keeps its place (and its proposals)
        assert f'id="room-section-{key.replace(".", "-")}"' in html
    if len(sections) == 2:  # the second one says where it is
        first, second = (registry.get(key).title for key in sections)
        assert f"{second}: shown above, with {first.lower()}." in html
    else:
        assert "shown above, with" not in html


def test_facilitation_is_offered_only_to_those_who_may_take_it(workshop, people, client_for):
    services.attendee_add(workshop=workshop, actor=people["facilitator"], user=people["editor"])
    html = client_for(people["facilitator"]).get(
        reverse("workshop-room", args=[workshop.operating_model.slug, workshop.pk])
    )
    select = html.content.decode().split('id="handover-user"')[1].split("</select>")[0]
    offered = re.findall(r'<option value="(\d+)"', select)
    assert str(people["editor"].pk) in offered
    assert str(people["participant"].pk) not in offered  # refused as "must be an editor"
