"""The fast row renderer (``opmodel.rows``, issue 18): a section's ``row`` function draws every
row byte for byte as its item partial does, for every role, on the Quokka model and on a
generated one; and the section's list, as the generic list view sends it, holds exactly those
rows. The class is the registry: every section that names a ``row`` function is compared."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import escape

from bench.largemodel import build_large_model
from opmodel.access import get_model_for
from opmodel.models import Role
from opmodel.registry import Section, registry
from opmodel.services import member_add
from teams.models import Squad
from teams.services import squad_lead_grant
from tests import worlds
from tests.conftest import ROLE_USERS

pytestmark = pytest.mark.django_db

FAST = [s for s in registry.sections() if s.row is not None]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
DRAW = engines["django"].from_string("{% load opmodel %}{% draw_rows rows %}")
CONTROLS = re.compile(r'<div class="controls".*?</div>', re.S)
# An editor's controls of one row, the row's name aside: 1,520 bytes with edit, move, history,
# delete and drag controls, each with its URLs, htmx attributes and <svg>, and a form with a
# CSRF token per row (770 of the large canvas's 1,028 KiB, issue 18); now edit, move and drag
# only (history and delete are in the edit form), no form, token, id or htmx attribute per row.
# The budget keeps the large bench model's canvas (501 rows, 258 KiB besides the controls)
# under 500 KiB.
CONTROL_BYTES = 440


def test_the_big_lists_have_row_functions():
    """The sections whose lists run to hundreds of rows on the large model draw them in Python."""
    keys = {s.key for s in FAST}
    assert {
        "canvas.stages",
        "canvas.metrics",
        "canvas.principles",
        "canvas.technologies",
        "canvas.skills",
        "teams.people",
        "teams.interactions",
        "teams.capabilities",
        "teams.accountabilities",
        "journeys.steps",
    } <= keys


def _models(people: dict[str, Any]) -> list[Any]:
    """The Quokka model and a generated one, each with one member per role and a team lead."""
    quokka = worlds.replay("quokka")
    generated = build_large_model(actor=people["facilitator"], scale=0.03, history_rows=0)
    large = generated.operating_model
    for name, role in ROLE_USERS.items():
        member_add(operating_model=large, actor=people["facilitator"], user=people[name], role=role)
    for model in (quokka, large):
        member_add(
            operating_model=model,
            actor=people["facilitator"],
            user=people["lead"],
            role=Role.PARTICIPANT,
        )
        squad = Squad.objects.filter(operating_model=model).order_by("pk").first()
        assert squad is not None
        squad_lead_grant(squad=squad, user=people["lead"], actor=people["facilitator"])
    return [quokka, large]


def _context(section: Section, model: Any, user: Any, scope: Any = None) -> tuple[Any, dict]:
    request = RequestFactory().get("/")
    request.user = user
    operating_model, access = get_model_for(user, model.slug)
    context = {
        "om": operating_model,
        "access": access,
        "can_edit": access.can_edit,
        "section": section,
        "scope": scope,
        "csrf_token": "token",
        "request": request,
    }
    data = section.partial_context(operating_model=operating_model, access=access, scope=scope)
    context.update(data)
    return request, context


def _rows(section: Section, model: Any, scope: Any, context: dict) -> list[Any]:
    """The rows as the list draws them: a stage's steps are its column of the swim-lane map
    (numbered, with their findings and hand-off directions); other sections' are their rows."""
    column = context.get("column")
    if section.key == "journeys.steps" and column is not None:
        return [step for _lane, steps in column.cells for step in steps]
    return list(section.rows(model, scope))


def _scopes(section: Section, model: Any) -> list[Any]:
    if not section.scope_field:
        return [None]
    rows = section.rows(model)
    return sorted({section.scope_of(r) for r in rows}) or [None]


def test_a_row_function_draws_what_the_item_partial_draws():
    """Every section with a ``row`` function, every role and a team lead, every scope, on the
    Quokka model and a generated one (built once for all the sections)."""
    people = worlds.people([*ROLE_USERS, "lead"])
    models = _models(people)
    for section in FAST:
        partial = engines["django"].get_template(f"{section.template}#{section.item_partial}")
        compared = 0
        for model in models:
            for who in [*ROLE_USERS, "lead"]:
                for scope in _scopes(section, model):
                    request, context = _context(section, model, people[who], scope)
                    rows = _rows(section, model, scope, context)
                    reference = "".join(
                        partial.render({**context, "item": row}, request) for row in rows
                    )
                    fast = DRAW.render({**context, "rows": rows}, request)
                    assert fast == reference, (section.key, model.slug, who, scope)
                    compared += len(rows)
        assert compared > 0, section.key


@pytest.mark.parametrize("section", FAST, ids=lambda s: s.key)
def test_the_list_view_sends_the_rows_the_item_partial_draws(section, client_for):
    """The generic list partial (what a live refresh fetches) holds each row as drawn alone."""
    people = worlds.people([*ROLE_USERS, "lead"])
    model = worlds.replay("quokka")
    partial = engines["django"].get_template(f"{section.template}#{section.item_partial}")
    for who in ("editor", "viewer"):
        client = client_for(people[who])
        for scope in _scopes(section, model):
            url = reverse("section-list", kwargs={"slug": model.slug, "key": section.slug})
            query = {"scope": scope} if scope is not None else {}
            response = client.get(url, query, headers={"HX-Request": "true"})
            assert response.status_code == 200
            html = CSRF.sub("csrf", response.content.decode())
            request, context = _context(section, model, people[who], scope)
            for row in _rows(section, model, scope, context):
                alone = CSRF.sub("csrf", partial.render({**context, "item": row}, request))
                assert alone.strip() in html, (section.key, who, row.pk)


def test_a_rows_edit_controls_stay_cheap():
    """Every section with a ``row`` function, for an editor, on a generated model: a row's
    controls, its name's repetitions in their labels aside (a long name is the user's, not the
    mechanism's), stay under ``CONTROL_BYTES``: the large model's lists repeat them hundreds of
    times. No CSRF token, no htmx attribute and no id per row."""
    people = worlds.people([*ROLE_USERS, "lead"])
    model = _models(people)[1]
    for section in FAST:
        measured = 0
        for scope in _scopes(section, model):
            request, context = _context(section, model, people["editor"], scope)
            rows = {str(row.pk): row for row in _rows(section, model, scope, context)}
            html = DRAW.render({**context, "rows": list(rows.values())}, request)
            for controls in CONTROLS.findall(html):
                assert "csrfmiddlewaretoken" not in controls and "hx-" not in controls
                assert " id=" not in controls, controls
                pk = re.search(r"/(\d+)/edit/", controls)
                assert pk is not None, controls
                name = str(escape(str(rows[pk.group(1)])))
                size = len(controls.encode()) - controls.count(name) * len(name.encode())
                assert size <= CONTROL_BYTES, (section.key, size, controls)
                measured += 1
        assert measured > 0, section.key
