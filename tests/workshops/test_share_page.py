"""The share page shows the model as the level pages do (each section's own read-only partial)
with one comment affordance per section and per item; a comment form appears only when asked."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opmodel.registry import registry
from workshops import services

from .conftest import make_workshop

# Queries of one share page, whatever the size of the model (pinned: a change is deliberate).
SHARE_PAGE_QUERIES = 38

ASK = re.compile(r'<a class="btn btn-small comment-ask" data-comment-ask href="([^"]+)"')


def _public_url(om, facilitator) -> tuple[str, object]:
    workshop = make_workshop(om, facilitator)
    link = services.share_link_create(workshop=workshop, actor=facilitator)
    return reverse("share-public", args=[om.slug, services.share_token(link)]), workshop


def _asks(html: str) -> list[str]:
    return [href.replace("&amp;", "&").split("?", 1)[1] for href in ASK.findall(html)]


@pytest.mark.parametrize("who", ["guest", "viewer", "facilitator"])
def test_the_share_page_has_no_form_and_one_affordance_per_section_and_item(
    om, people, client_for, client, who
):
    url, workshop = _public_url(om, people["facilitator"])
    if who != "guest":
        client = client_for(people[who])
        url = reverse("workshop-share", args=[om.slug, workshop.pk])
    html = client.get(url).content.decode()
    body = html[html.index('id="share-body"') :]
    assert "<form" not in body and "<textarea" not in body
    asks = _asks(body)
    expected = ["section=&part_id="]
    for section in registry.sections():
        expected.append(f"section={section.key}&part_id=")
        expected += [
            f"section={section.key}&part_id={pk}"
            for pk in section.rows(om).values_list("pk", flat=True)
        ]
    assert sorted(asks) == sorted(expected)  # each exactly once: no duplicate, none missing
    # each section drawn by its own list partial (the level pages' markup), read-only
    for section in registry.sections():
        if section.shown_in is None:
            assert f'id="section-{section.slug}' in body, section.key
    assert "add-btn" not in body and "/edit/" not in body


def test_asking_for_a_comment_form_brings_it_in_place_or_on_a_page(om, people, client):
    url, _ = _public_url(om, people["facilitator"])
    section = registry.get("canvas.stages")
    stage = section.rows(om).first()
    ask = f"{url}comment/?section={section.key}&part_id={stage.pk}"
    in_place = client.get(ask, HTTP_HX_REQUEST="true").content.decode()
    assert in_place.count("<form") == 1 and "<html" not in in_place
    assert f'name="part_id" value="{stage.pk}"' in in_place and 'name="author_name"' in in_place
    page = client.get(ask).content.decode()
    assert "<html" in page and f'action="{url}"' in page
    # the form posts to the share page, which keeps the comment
    response = client.post(
        url,
        {"section": section.key, "part_id": stage.pk, "text": "Rename it", "author_name": "Gus"},
    )
    assert response.status_code in (200, 302)
    assert workshop_comments(om) == [("canvas.stages", stage.pk, "Rename it")]
    assert client.get(f"{url}comment/?section=nope").status_code == 404


def workshop_comments(om):
    from workshops.models import Comment

    return list(
        Comment.objects.filter(workshop__operating_model=om).values_list(
            "section", "part_id", "text"
        )
    )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_share_page_query_count_is_pinned_and_does_not_grow_with_the_model(
    small_om, om, people, client
):
    small_url, _ = _public_url(small_om, people["facilitator"])
    big_url, big = _public_url(om, people["facilitator"])
    # comments on items make it bigger too
    for section in registry.sections():
        row = section.rows(om).first()
        if row is not None:
            services.comment_add(
                workshop=big,
                actor=people["viewer"],
                share_link=None,
                author_name="",
                section=section.key,
                part_id=row.pk,
                text="x",
            )
    small, large = _queries(client, small_url), _queries(client, big_url)
    assert small == large == SHARE_PAGE_QUERIES
