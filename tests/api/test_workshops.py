"""Workshops in the API (read): what the pages show each caller, and a fixed number of queries
whatever the number of notes, proposals and attendees."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from opmodel.registry import registry
from tests.workshops.conftest import make_workshop
from workshops import selectors, services

pytestmark = pytest.mark.django_db


def _url(om, workshop=None) -> str:
    base = f"/api/v1/models/{om.slug}/workshops"
    return f"{base}/{workshop.pk}" if workshop is not None else base


@pytest.fixture
def live(small_om, people):
    workshop = make_workshop(small_om, people["facilitator"], allow_anonymous_notes=True)
    services.attendee_add(
        workshop=workshop, actor=people["facilitator"], user=people["participant"]
    )
    services.note_add(workshop=workshop, actor=people["participant"], text="Open note")
    services.note_add(
        workshop=workshop, actor=people["participant"], text="Nameless", anonymous=True
    )
    stage = registry.get("canvas.stages").rows(small_om).first()
    services.proposal_create(
        workshop=workshop,
        actor=people["participant"],
        section="canvas.stages",
        kind="change",
        part=stage,
        data={"name": "Proposed name"},
        rationale="Clearer",
    )
    workshop = services.private_writing_start(workshop=workshop, actor=people["facilitator"])
    services.note_add(workshop=workshop, actor=people["participant"], text="Only mine for now")
    return workshop


def test_the_list_is_the_models_workshops(small_om, people, bearer, live):
    response = Client().get(_url(small_om), headers=bearer(people["viewer"], scope="read"))
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["id"] == live.pk and item["phase"] == "workshop"
    assert item["attendee_count"] == live.attendees.count() and item["proposal_count"] == 1


def test_the_detail_shows_each_caller_what_the_room_shows_them(small_om, people, bearer, live):
    client = Client()
    mine = client.get(_url(small_om, live), headers=bearer(people["participant"])).json()
    theirs = client.get(_url(small_om, live), headers=bearer(people["viewer"])).json()
    assert [b["title"] for b in mine["agenda"]] == ["Warm-up", "Journey"]
    assert [a["name"] for a in mine["attendees"]] == [p.name for p in selectors.presence(live)]
    assert len(mine["attendees"]) == 2  # the facilitator and the participant
    assert mine["you_take_part"] and not theirs["you_take_part"]
    texts = {n["text"]: n for n in mine["notes"]}
    assert set(texts) == {"Open note", "Nameless", "Only mine for now"}
    assert texts["Only mine for now"]["private"]
    # someone else's private note is not theirs to see; an anonymous note has no author
    assert {n["text"] for n in theirs["notes"]} == {"Open note", "Nameless"}
    assert {n["text"]: n["author"] for n in theirs["notes"]}["Nameless"] is None
    assert {n["text"]: n["author"] for n in theirs["notes"]}["Open note"] is not None
    [proposal] = theirs["proposals"]
    assert proposal["status"] == "open" and proposal["rationale"] == "Clearer"
    assert proposal["votes"] is None  # hidden until the facilitator reveals them
    services.votes_reveal(workshop=live, actor=people["facilitator"], revealed=True)
    again = client.get(_url(small_om, live), headers=bearer(people["viewer"])).json()
    assert again["proposals"][0]["votes"] == 0


def test_the_workshop_of_another_model_is_not_found(small_om, other_om, people, bearer, live):
    client = Client()
    assert client.get(_url(other_om, live), headers=bearer(people["outsider"])).status_code == 404
    assert client.get(_url(small_om, live), headers=bearer(people["outsider"])).status_code == 404


def test_the_detail_costs_the_same_queries_whatever_its_size(small_om, people, bearer, live):
    client, headers = Client(), bearer(people["facilitator"])
    client.get(_url(small_om, live), headers=headers)  # warm the caches

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_url(small_om, live), headers=headers).status_code == 200
        return len(captured.captured_queries)

    small = count()
    for n in range(5):
        services.note_add(workshop=live, actor=people["participant"], text=f"More {n}")
        services.attendee_add(workshop=live, actor=people["facilitator"], user=people["editor"])
    assert count() == small
    listed = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            client.get(_url(small_om), headers=headers)
        listed.append(len(captured.captured_queries))
        make_workshop(small_om, people["facilitator"], title="Another")
    with CaptureQueriesContext(connection) as captured:
        client.get(_url(small_om), headers=headers)
    assert len(captured.captured_queries) == listed[0] == listed[1]
