"""Level 3 pages: what they show, the htmx flows on the swim-lane map, and query counts pinned
on a large model (20 journeys x 6 stages x 10 steps) to the demo's."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from journeys.models import Journey, Stage, Step
from opmodel.models import Role
from opmodel.services import member_add
from teams.models import Squad
from teams.services import squad_lead_grant
from tests.conftest import add_members
from tests.journeys.conftest import journey_of, stage_named, step_named
from tests.teams.conftest import squad_named

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def journey_url(om, journey=None) -> str:
    return reverse("journeys-journey", args=[om.slug, (journey or journey_of(om)).pk])


def test_the_journey_list_shows_owner_size_and_health(om, people, client_for):
    html = client_for(people["viewer"]).get(reverse("journeys-list", args=[om.slug])).content
    text = html.decode()
    idp = Journey.objects.get(operating_model=om, name="Industrialised data product journey")
    row = re.search(rf'<tr id="journey-row-{idp.pk}"[^>]*>(.*?)</tr>', text, re.S).group(1)
    assert "Customer data products" in row
    steps = Step.objects.filter(stage__journey=idp).count()
    assert '<td class="num">7</td>' in row and f'<td class="num">{steps}</td>' in row
    assert "warning" in row  # a hold technology and a hand-off without an interaction
    assert "Data incident journey" in text


def test_the_map_has_stages_as_columns_squads_as_lanes_and_marks_pain(om, people, client_for):
    idp = Journey.objects.get(operating_model=om, name="Industrialised data product journey")
    text = client_for(people["viewer"]).get(journey_url(om, idp)).content.decode()
    columns = re.findall(r'<section class="stage-col" id="section-journeys-steps-(\d+)"', text)
    assert [int(c) for c in columns] == list(
        Stage.objects.filter(journey=idp).order_by("position").values_list("pk", flat=True)
    )
    lanes = re.findall(r'class="sl-lane-label[^"]*"><span class="tt-dot[^"]*">([^<]+)<', text)
    assert lanes[0] == "Customer data products"  # the owner's lane first
    assert {"Governance platform", "Data platform", "CRM analytics"} <= set(lanes)
    # every column has one cell per lane, so the lanes line up
    assert text.count('class="sl-cell') == len(columns) * len(lanes)
    legacy = Step.objects.get(stage__journey=idp, title__startswith="Backfill")
    start = text.index(f'id="part-journeys-steps-{legacy.pk}"')
    card = text[start : text.index("</ol>", start)]
    assert (
        f'class="part step-card auto-manual has-pain" id="part-journeys-steps-{legacy.pk}"' in text
    )
    assert "Pain point" in card and "HOLD" in card.upper()
    assert "Hands off to" in text and "⤵" in text
    assert "No interaction with Fraud ML in Level 2" in text  # the hand-off check, on its card
    # the journey's own findings, with links to the cards
    assert f"#part-journeys-steps-{legacy.pk}" in text


def test_pain_points_across_journeys_and_a_squads_steps(om, people, client_for):
    client = client_for(people["viewer"])
    text = client.get(reverse("journeys-pain-points", args=[om.slug])).content.decode()
    assert "Industrialised data product journey" in text and "Data incident journey" in text
    assert "Segments are exported to CSV" in text and "automation candidate" in text
    squad = Squad.objects.get(operating_model=om, name="Governance platform")
    text = client.get(reverse("journeys-squad", args=[om.slug, squad.pk])).content.decode()
    assert "Review privacy and access rules" in text and "Grant access by policy" in text
    assert "Hand-offs it receives" in text and "Register the product in the catalog" in text
    # the squad page of Level 2 links here
    squad_page = client.get(reverse("teams-squad", args=[om.slug, squad.pk])).content.decode()
    assert reverse("journeys-squad", args=[om.slug, squad.pk]) in squad_page


def test_adding_a_step_re_renders_its_stage_column(journeys_om, people, client_for):
    idea = stage_named(journeys_om, "Idea")
    own = squad_named(journeys_om, "Own squad")
    url = reverse("part-new", kwargs={"slug": journeys_om.slug, "key": "journeys-steps"})
    client = client_for(people["lead"])
    form = client.get(f"{url}?scope={idea.pk}", headers=HX).content.decode()
    assert f'<option value="{idea.pk}" selected>' in form
    # the lead is offered their own squad only; an editor every squad
    other = squad_named(journeys_om, "Other squad")

    def squad_choices(html: str) -> str:
        start = html.index('name="squad"')
        return html[start : html.index("</select>", start)]

    assert f'<option value="{own.pk}"' in squad_choices(form)
    assert f'<option value="{other.pk}"' not in squad_choices(form)
    editors_form = client_for(people["editor"]).get(f"{url}?scope={idea.pk}", headers=HX)
    assert f'<option value="{other.pk}"' in squad_choices(editors_form.content.decode())
    response = client.post(
        f"{url}?scope={idea.pk}",
        {"stage": idea.pk, "title": "Agree the contract", "squad": own.pk, "automation": "manual"},
        headers=HX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#section-journeys-steps-{idea.pk}"
    html = response.content.decode()
    assert "Agree the contract" in html and "Own build step" not in html
    assert 'class="stage-col"' in html


def test_editing_a_step_re_renders_its_card_and_moving_re_renders_the_map(
    journeys_om, people, client_for
):
    step = step_named(journeys_om, "Own idea step")
    client = client_for(people["lead"])
    url = reverse(
        "part-edit", kwargs={"slug": journeys_om.slug, "key": "journeys-steps", "pk": step.pk}
    )
    response = client.post(
        url + "?field=pain_points", {"pain_points": "Waits for review", "revision": 1}, headers=HX
    )
    assert (
        response.status_code == 200 and response["HX-Retarget"] == f"#part-journeys-steps-{step.pk}"
    )
    assert "has-pain" in response.content.decode() and ">1.1<" in response.content.decode()
    move = reverse("journeys-step-move", args=[journeys_om.slug, step.pk])
    response = client.post(move, {"direction": "right"}, headers=HX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#section-journeys-stages-{journey_of(journeys_om).pk}"
    assert step_named(journeys_om, "Own idea step").stage.name == "Build"
    # without JavaScript: post, then back to the journey
    response = client.post(move, {"direction": "left"})
    assert response.status_code == 302 and response["Location"] == journey_url(journeys_om)


def test_every_level3_page_has_the_enforced_csp_and_no_inline_styles(om, people, client_for):
    client = client_for(people["facilitator"])
    squad = Squad.objects.get(operating_model=om, name="Customer data products")
    for url in [
        reverse("journeys-list", args=[om.slug]),
        journey_url(om, Journey.objects.filter(operating_model=om).first()),
        reverse("journeys-pain-points", args=[om.slug]),
        reverse("journeys-squad", args=[om.slug, squad.pk]),
    ]:
        response = client.get(url)
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        html = response.content.decode()
        assert all(f'nonce="{nonce}"' in tag for tag in re.findall(r"<script\b[^>]*>", html))
        assert "style=" not in html.split("<main", 1)[-1], url


# ---------- query counts: a large model costs what the demo costs ----------


def _pages(model) -> dict[str, tuple[str, bool]]:
    """Every Level 3 page and partial of ``model``, on its largest journey and busiest squad."""
    from django.db.models import Count

    journey = (
        Journey.objects.filter(operating_model=model)
        .annotate(n=Count("stages__steps"))
        .order_by("-n", "pk")
        .first()
    )
    stage = (
        Stage.objects.filter(journey=journey)
        .annotate(n=Count("steps"))
        .order_by("-n", "pk")
        .first()
    )
    step = Step.objects.filter(stage=stage).order_by("position", "pk").first()
    squad = (
        Squad.objects.filter(operating_model=model)
        .annotate(n=Count("steps_performed"))
        .order_by("-n", "pk")
        .first()
    )
    part = {"slug": model.slug, "key": "journeys-steps", "pk": step.pk}
    section_list = reverse("section-list", kwargs={"slug": model.slug, "key": "journeys-stages"})
    column = reverse("section-list", kwargs={"slug": model.slug, "key": "journeys-steps"})
    return {
        "journey list": (reverse("journeys-list", args=[model.slug]), False),
        "journey page": (journey_url(model, journey), False),
        "pain points": (reverse("journeys-pain-points", args=[model.slug]), False),
        "squad steps": (reverse("journeys-squad", args=[model.slug, squad.pk]), False),
        "map partial": (f"{section_list}?scope={journey.pk}", True),
        "column partial": (f"{column}?scope={stage.pk}", True),
        "step card": (reverse("part-detail", kwargs=part), True),
        "step edit form": (reverse("part-edit", kwargs=part), True),
    }


# Queries per Level 3 page and partial (demo and large alike), by who asks.
LEVEL3_QUERIES: dict[str, int] = {
    "editor: journey list": 15,
    # an editor's map no longer asks which squads they lead (issue 18): one fewer than a lead's
    "editor: journey page": 14,
    "editor: pain points": 11,
    "editor: squad steps": 14,
    "editor: map partial": 11,
    "editor: column partial": 12,
    "editor: step card": 9,
    "editor: step edit form": 10,
    "viewer: journey list": 15,
    "viewer: journey page": 15,
    "viewer: pain points": 11,
    "viewer: squad steps": 14,
    "viewer: map partial": 12,
    "viewer: column partial": 13,
    "viewer: step card": 10,
    "lead: journey list": 15,
    "lead: journey page": 15,
    "lead: pain points": 11,
    "lead: squad steps": 14,
    "lead: map partial": 12,
    "lead: column partial": 13,
    "lead: step card": 10,
}


def _count(client, url: str, htmx: bool) -> tuple[int, str]:
    client.get(url, headers=HX if htmx else None)  # warm up (sessions, caches)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=HX if htmx else None)
    assert response.status_code == 200, url
    return len(queries.captured_queries), response.content.decode()


def test_level3_pages_cost_the_same_queries_on_a_large_model_as_on_the_demo(
    om, people, client_for, make_user
):
    """One large model (the benchmark's generator: 20 journeys x 6 stages x 10 steps, 60 squads)
    against the demo, for an editor, a viewer and a team lead."""
    from bench.largemodel import build_large_model

    large = build_large_model(
        actor=people["facilitator"], scale=1.0, history_rows=0
    ).operating_model
    add_members(large, people)
    assert Step.objects.filter(operating_model=large).count() == 1200
    lead = people["lead"]
    for model in (om, large):
        member_add(
            operating_model=model, actor=people["facilitator"], user=lead, role=Role.PARTICIPANT
        )
        busiest = _pages(model)["squad steps"][0].rstrip("/").rsplit("/", 1)[-1]
        squad_lead_grant(
            squad=Squad.objects.get(pk=busiest), user=lead, actor=people["facilitator"]
        )
    demo_pages, large_pages = _pages(om), _pages(large)
    assert "Step 1" in _count(client_for(people["viewer"]), *large_pages["journey page"])[1]
    wrong = []
    counts = {}
    for who in ("editor", "viewer", "lead"):
        client = client_for(lead if who == "lead" else people[who])
        for name, (url, htmx) in demo_pages.items():
            if name == "step edit form" and who != "editor":
                continue  # the form is the editors' (a lead's is pinned through their step)
            demo, _ = _count(client, url, htmx)
            big, _ = _count(client, *large_pages[name])
            counts[f"{who}: {name}"] = demo
            if demo != big or demo > 30:
                wrong.append((who, name, demo, big))
    assert not wrong, wrong
    # Zulip's pins: a page's exact count, so a query added anywhere is a deliberate change
    assert counts == LEVEL3_QUERIES


def test_the_pain_points_rows_are_drawn_as_the_row_partial_draws_them(om, people, rf):
    """``{% pain_rows %}`` (journeys/rows.py) draws every row of the pain points table in Python
    (issue 18): byte for byte what the page's ``pain-row`` partial draws, on the demo and on a
    generated model (names with markup, steps nobody performs, manual and automated steps)."""
    from django.template.loader import get_template

    from bench.largemodel import build_large_model
    from journeys import rows, selectors

    large = build_large_model(actor=people["facilitator"], scale=0.1, history_rows=0)
    model = large.operating_model
    Step.objects.filter(pk=Step.objects.filter(operating_model=model).first().pk).update(
        title='<b>"Tom" & Jerry</b>', pain_points="Waits <i>days</i> & redoes", squad=None
    )
    partial = get_template("journeys/pain_points.html#pain-row")
    request = rf.get("/")
    seen = {"manual": 0, "nobody": 0, "other": 0}
    for operating_model in (om, model):
        groups = selectors.pain_points(operating_model)
        assert groups
        for group in groups:
            expected = "".join(
                partial.render({"om": operating_model, "group": group, "item": item}, request)
                for item in group.steps
            )
            assert rows.pain_rows(request, operating_model.slug, group) == expected
            for item in group.steps:
                seen["manual" if item.automation == "manual" else "other"] += 1
                seen["nobody"] += item.squad is None
    assert all(seen.values()), seen


def test_a_stage_columns_lanes_are_drawn_as_the_lane_partial_draws_them(om, people, rf):
    """``{% lane_cells %}`` (journeys/rows.py) draws a stage column's lanes and their step cards
    in Python with one ``Rows`` a column (issue 18): byte for byte what the ``lane-cell``
    partial draws, lane by lane, for an editor, a viewer and a team lead (whose own squad's
    steps are editable), on every journey of the demo (empty lanes, steps nobody performs)."""
    from django.middleware.csrf import get_token
    from django.template.loader import get_template

    from journeys import rows
    from opmodel.access import get_model_for
    from opmodel.rows import Rows
    from opmodel.views.levels import level_page_context

    lead = people["lead"]
    member_add(operating_model=om, actor=people["facilitator"], user=lead, role=Role.PARTICIPANT)
    squad = Squad.objects.get(operating_model=om, name="Customer data products")
    squad_lead_grant(squad=squad, user=lead, actor=people["facilitator"])
    Step.objects.filter(pk=Step.objects.filter(operating_model=om).first().pk).update(squad=None)
    partial = get_template("journeys/journeys.html#lane-cell")
    seen = {"empty": 0, "steps": 0, "nobody": 0, "editable": 0}
    for user in (people["editor"], people["viewer"], lead):
        request = rf.get("/")
        request.user = user
        token = get_token(request)
        _, access = get_model_for(user, om.slug)
        for journey in Journey.objects.filter(operating_model=om):
            ctx = level_page_context(om, access, level=3, item=journey, scope=journey.pk)
            ctx.update(
                ctx["sections"]["stages"].partial_context(
                    operating_model=om, access=access, request=request, scope=journey.pk
                )
            )
            for column in ctx["map"].columns:
                here = {
                    **ctx,
                    "request": request,
                    "csrf_token": token,
                    "section": ctx["sections"]["steps"],
                    "scope": column.stage.pk,
                    "column": column,
                }
                expected = "".join(
                    partial.render({**here, "lane": lane, "steps": steps}, request)
                    for lane, steps in column.cells
                )
                assert rows.lane_cells(Rows(here, here["section"]), column.cells) == expected
                for lane, steps in column.cells:
                    seen["steps" if steps else "empty"] += 1
                    seen["nobody"] += lane.squad is None
                    seen["editable"] += 'class="step-tools"' in expected
    assert all(seen.values()), seen


def test_the_swim_lanes_table_is_drawn_as_the_stage_partial_draws_it(om, people):
    """``{% twin_stages %}`` (journeys/rows.py) draws the swim lanes as a table in Python (issue
    18): byte for byte what the ``twin-stage`` partial draws, stage by stage, on every journey
    of the demo and of a generated model (markup in names, steps nobody performs, pain points,
    hand-offs, empty lanes)."""
    from django.template.loader import get_template

    from bench.largemodel import build_large_model
    from journeys import rows, selectors
    from opmodel.access import get_model_for

    large = build_large_model(actor=people["facilitator"], scale=0.1, history_rows=0)
    model = large.operating_model
    Step.objects.filter(pk=Step.objects.filter(operating_model=model).first().pk).update(
        title='<b>"Tom" & Jerry</b>', pain_points="Waits <i>days</i> & redoes", squad=None
    )
    partial = get_template("journeys/journeys.html#twin-stage")
    seen = {"empty": 0, "nobody": 0, "pain": 0, "handoff": 0, "markup": 0}
    for operating_model in (om, model):
        _, access = get_model_for(people["facilitator"], operating_model.slug)
        for journey in Journey.objects.filter(operating_model=operating_model):
            data = selectors.journey_map(operating_model, access, journey)
            expected = "".join(partial.render({"column": column}) for column in data.columns)
            assert rows.twin_stages(data.columns) == expected
            for column in data.columns:
                for lane, steps in column.cells:
                    seen["empty"] += not steps
                    seen["nobody"] += lane.squad is None and bool(steps)
                    seen["pain"] += any(s.pain_points for s in steps)
                    seen["handoff"] += any(s.handoff_to_id for s in steps)
            seen["markup"] += "&lt;b&gt;&quot;Tom&quot; &amp; Jerry&lt;/b&gt;" in expected
    assert all(seen.values()), seen
