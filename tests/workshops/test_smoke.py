import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name",
    [
        "workshop-detail",
        "workshop-edit",
        "workshop-invite",
        "workshop-room",
        "room-bar",
        "room-presence",
        "room-notes",
        "room-proposals",
        "workshop-refine",
        "workshop-socialise",
        "workshop-share",
        "workshop-summary",
        "proposal-new",
    ],
)
def test_pages_render(workshop, people, client_for, name):
    client = client_for(people["facilitator"])
    response = client.get(reverse(name, args=[workshop.operating_model.slug, workshop.pk]))
    assert response.status_code == 200, response.content[:2000]


def test_the_demo_has_a_release_and_a_live_workshop_the_team_lead_can_join():
    from opmodel.demo import demo_load
    from workshops.models import Note, Proposal, Vote, Workshop

    model = demo_load()
    assert model.releases.count() == 1
    workshop = Workshop.objects.get(operating_model=model)
    assert workshop.phase == "workshop"
    assert Note.objects.filter(workshop=workshop).count() == 4
    assert Proposal.objects.get(workshop=workshop).author.username == "tara"
    assert Vote.objects.filter(workshop=workshop).count() == 6
    from django.test import Client

    client = Client()
    assert client.login(username="tara", password="quokka-demo")
    room = client.get(reverse("workshop-room", args=[model.slug, workshop.pk]))
    assert room.status_code == 200
    assert b"Nobody is accountable for the Kafka platform" in room.content
