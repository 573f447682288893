"""Template tags only format (issue 19): the data a partial shows comes from its view (through
``Section.partial_context``), never from a template tag running a query.

Every page that draws sections and every section's partial (list, scoped list, one row) is
rendered as an editor and as a team lead, with a database hook that looks at the Python stack
of each query: the query is a tag's if the nearest template-layer frame (Django's template
engine, or any ``templatetags`` module) belongs to one of this project's tag modules. A query
that a template triggers by reading a lazy value the view handed it (``item.squad.name``) has
Django's variable lookup nearer and is the view's; a tag that calls a selector, a manager, a
permission lookup or forces a queryset is caught wherever in the tag it happens.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from opmodel.registry import registry
from teams.models import Squad
from teams.services import squad_lead_grant
from workshops import services as workshop_services

from .workshops.conftest import make_workshop

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
HX = {"HX-Request": "true"}


def _tag_frame() -> str | None:
    """``module:function`` of the project tag nearest the query on the stack, if a tag of
    this project is the template layer that asked for it."""
    frame = sys._getframe(2)
    while frame is not None:
        path = frame.f_code.co_filename
        if "/templatetags/" in path or "/django/template/" in path:
            ours = Path(path).is_relative_to(ROOT) and "/.venv/" not in path
            if "/templatetags/" in path and ours:
                return f"{Path(path).relative_to(ROOT)}:{frame.f_code.co_name}"
            return None
        frame = frame.f_back
    return None


class TagQueries:
    def __init__(self) -> None:
        self.found: list[tuple[str, str, str]] = []
        self.url = ""

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        tag = _tag_frame()
        if tag is not None:
            self.found.append((self.url, tag, sql[:120]))
        return execute(sql, params, many, context)


def _urls(om: Any, workshop: Any, share_url: str) -> list[tuple[str, bool]]:
    """Every page that draws sections, and every section's partials (htmx)."""
    slug = om.slug
    squad = Squad.objects.filter(operating_model=om).order_by("pk").first()
    journey = registry.get("journeys.journeys").rows(om).first()
    assert squad is not None and journey is not None, "the demo has squads and journeys"
    urls = [
        (reverse("canvas", args=[slug]), False),
        (reverse("teams-squads", args=[slug]), False),
        (reverse("teams-squad", args=[slug, squad.pk]), False),
        (reverse("teams-map", args=[slug]), False),
        (reverse("teams-matrix", args=[slug]), False),
        (reverse("teams-matrix", args=[slug]) + "?area=governance", True),
        (reverse("journeys-list", args=[slug]), False),
        (reverse("journeys-journey", args=[slug, journey.pk]), False),
        (reverse("journeys-pain-points", args=[slug]), False),
        (reverse("journeys-squad", args=[slug, squad.pk]), False),
        (reverse("model-health", args=[slug]), False),
        (reverse("workshop-room", args=[slug, workshop.pk]), False),
        (share_url, False),
    ]
    for section in registry.sections():
        base = reverse("section-list", args=[slug, section.slug])
        urls.append((base, True))
        rows = list(section.rows(om)[:1])
        if rows:
            urls.append((reverse("part-detail", args=[slug, section.slug, rows[0].pk]), True))
            scope = section.scope_of(rows[0])
            if scope is not None:
                urls.append((f"{base}?scope={scope}", True))
    return urls


def test_no_template_tag_queries_the_database_on_any_page_or_partial(om, people, client_for):
    facilitator = people["facilitator"]
    workshop = make_workshop(om, facilitator, sections=[s.key for s in registry.sections()])
    link = workshop_services.share_link_create(workshop=workshop, actor=facilitator)
    share_url = reverse("share-public", args=[om.slug, workshop_services.share_token(link)])
    lead = people["participant"]
    squad = Squad.objects.filter(operating_model=om).order_by("pk").first()
    squad_lead_grant(squad=squad, user=lead, actor=facilitator)
    urls = _urls(om, workshop, share_url)
    hook = TagQueries()
    seen = 0
    for user in (people["editor"], lead):
        client = client_for(user)
        for url, htmx in urls:
            hook.url = url
            with connection.execute_wrapper(hook):
                response = client.get(url, headers=HX if htmx else None)
            assert response.status_code == 200, (url, response.status_code)
            seen += 1
    assert seen == 2 * len(urls) and len(urls) > 30
    assert hook.found == [], "template tags that query:\n" + "\n".join(map(str, hook.found))


def test_the_stack_check_sees_a_tag_that_queries(om, people, client_for):
    """The guard itself: a tag that runs a query is caught (and a lazy value read by the
    template is not blamed on a tag)."""
    from django.template import engines

    hook = TagQueries()
    template = engines["django"].from_string(
        "{% load opmodel %}{% allows section access None 'create' as ok %}{{ item.squad.name }}"
    )
    from opmodel.access import access_for

    lead = people["participant"]
    squad = Squad.objects.filter(operating_model=om).order_by("pk").first()
    squad_lead_grant(squad=squad, user=lead, actor=people["facilitator"])
    person = registry.get("teams.people").rows(om).first()
    access = access_for(lead, om)
    with connection.execute_wrapper(hook):
        template.render({"section": registry.get("teams.people"), "access": access, "item": person})
    tags = [tag for _, tag, _ in hook.found]
    assert tags, "the permission lookup inside {% allows %} is a query from a tag"
    assert all(tag.startswith("opmodel/templatetags/opmodel.py:") for tag in tags), tags
    assert len(tags) == 1  # item.squad.name is read by the template, not by a tag
