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
