"""A Level 3 partial fetched alone (a live refresh, a step added or moved) shows exactly what the
journey page shows in its place: the swim-lane map and every stage column are built by the
sections' ``partial_context`` for the page and for the partial alike (hand-off findings,
numbers, first/last stage buttons, a lead's own cards)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from journeys.models import Stage
from teams.models import Interaction

from .conftest import journey_of

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _element(html: str, element_id: str) -> str:
    """The ``<section>`` with this id, nested sections included, CSRF tokens blanked."""
    start = html.index(f'id="{element_id}"')
    start = html.rindex("<section", 0, start)
    depth, pos = 0, start
    for match in re.finditer(r"<section\b|</section>", html[start:]):
        depth += 1 if match.group() == "<section" else -1
        if depth == 0:
            pos = start + match.end()
            break
    return CSRF.sub('name="csrfmiddlewaretoken" value=""', html[start:pos])


@pytest.mark.parametrize("who", ["editor", "lead"])
def test_the_map_and_each_column_alone_are_what_the_journey_page_shows(
    journeys_om, people, client_for, who
):
    # no interactions: the hand-off of "Own build step" is a finding on its card
    Interaction.objects.filter(operating_model=journeys_om).delete()
    client = client_for(people[who])
    journey = journey_of(journeys_om)
    slug = journeys_om.slug
    page = client.get(reverse("journeys-journey", args=[slug, journey.pk])).content.decode()
    assert "step-finding" in page and "is-mine" in page
    map_id = f"section-journeys-stages-{journey.pk}"
    alone = client.get(
        reverse("section-list", args=[slug, "journeys-stages"]) + f"?scope={journey.pk}",
        headers=HX,
    ).content.decode()
    assert _element(alone, map_id) == _element(page, map_id)
    stages = Stage.objects.filter(journey=journey)
    assert stages.count() >= 2
    for stage in stages:
        column_id = f"section-journeys-steps-{stage.pk}"
        column = client.get(
            reverse("section-list", args=[slug, "journeys-steps"]) + f"?scope={stage.pk}",
            headers=HX,
        ).content.decode()
        assert _element(column, column_id) == _element(page, column_id), stage.name
