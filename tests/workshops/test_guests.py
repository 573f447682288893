"""A comment through a share link is a guest's: the name a guest types never passes for a
member's, on any page, PDF or the next workshop's notes (a guest posting as "editor" looked
exactly like member editor)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from workshops import services
from workshops.models import Comment

pytestmark = pytest.mark.django_db


def test_a_guest_who_types_a_members_name_is_shown_as_a_guest(workshop, people, client_for):
    link = services.share_link_create(workshop=workshop, actor=people["facilitator"])
    slug = workshop.operating_model.slug
    url = reverse("share-public", args=[slug, services.share_token(link)])
    response = Client().post(url, {"text": "Typo in stage 2", "author_name": "editor"})
    assert response.status_code in (200, 302)
    comment = Comment.objects.get(workshop=workshop)
    assert comment.is_guest and comment.who == "editor (guest)"
    member = services.comment_add(workshop=workshop, actor=people["editor"], text="Mine")
    assert not member.is_guest and member.who == "editor"
    pages = [
        Client().get(url),
        client_for(people["facilitator"]).get(
            reverse("workshop-socialise", args=[slug, workshop.pk])
        ),
    ]
    for page in pages:
        html = page.content.decode()
        assert "— editor (guest)" in html or "editor (guest) ·" in html, html[-3000:]
