"""The Level 3 permission matrix: every Level 3 URL and every write x every role, the team lead
on a step their squad performs and on another squad's step. A refused write changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from journeys.models import Journey, Stage, Step
from tests.journeys.conftest import journey_of, stage_named, step_named
from tests.permissions import (
    LEAD_FORM,
    LEAD_INVALID,
    LEAD_WRITE,
    LEVEL_FORM,
    LEVEL_READ,
    LEVEL_WRITE,
    Case,
    page,
    part,
    wrong_answers,
)
from tests.teams.conftest import squad_named

pytestmark = pytest.mark.django_db


def own_step(om) -> Step:
    return step_named(om, "Own idea step")


def other_step(om) -> Step:
    return step_named(om, "Other idea step")


def idea(om) -> Stage:
    return stage_named(om, "Idea")


def build(om) -> Stage:
    return stage_named(om, "Build")


def own(om) -> Any:
    return squad_named(om, "Own squad")


def other(om) -> Any:
    return squad_named(om, "Other squad")


def step_data(om, step: Step, **changes: Any) -> dict[str, Any]:
    data = {
        "stage": step.stage_id,
        "title": step.title,
        "squad": step.squad_id or "",
        "automation": step.automation,
        "revision": step.revision,
    }
    return data | changes


def revert_url(row: Callable[[Any], Any], key: str) -> Callable[[Any], str]:
    return lambda om: reverse(
        "part-revert",
        kwargs={
            "slug": om.slug,
            "key": key,
            "pk": row(om).pk,
            "history_id": row(om).history.earliest().history_id,
        },
    )


CASES = [
    # pages and partials: everyone who may see the model reads them
    Case("journey list", "get", page("journeys-list"), LEVEL_READ),
    Case("journey page", "get", page("journeys-journey", journey_of), LEVEL_READ),
    Case("pain points", "get", page("journeys-pain-points"), LEVEL_READ),
    Case("squad steps", "get", page("journeys-squad", own), LEVEL_READ),
    Case(
        "journeys list partial",
        "get",
        part("section-list", "journeys-journeys"),
        LEVEL_READ,
        htmx=True,
    ),
    Case(
        "journey map partial",
        "get",
        part("section-list", "journeys-stages", query=lambda om: f"?scope={journey_of(om).pk}"),
        LEVEL_READ,
        htmx=True,
    ),
    Case(
        "stage column partial",
        "get",
        part("section-list", "journeys-steps", query=lambda om: f"?scope={idea(om).pk}"),
        LEVEL_READ,
        htmx=True,
    ),
    Case(
        "step card", "get", part("part-detail", "journeys-steps", own_step), LEVEL_READ, htmx=True
    ),
    Case("stage head", "get", part("part-detail", "journeys-stages", idea), LEVEL_READ, htmx=True),
    Case(
        "journey head",
        "get",
        part("part-detail", "journeys-journeys", journey_of),
        LEVEL_READ,
        htmx=True,
    ),
    Case("step history", "get", part("part-history", "journeys-steps", own_step), LEVEL_READ),
    Case(
        "journey history", "get", part("part-history", "journeys-journeys", journey_of), LEVEL_READ
    ),
    # journeys and stages: facilitators and editors only
    Case("journey new form", "get", part("part-new", "journeys-journeys"), LEVEL_FORM),
    Case(
        "journey new",
        "post",
        part("part-new", "journeys-journeys"),
        LEVEL_WRITE,
        lambda om: {"name": "Onboarding a new squad", "owner": own(om).pk},
    ),
    Case(
        "journey edit",
        "post",
        part("part-edit", "journeys-journeys", journey_of),
        LEVEL_WRITE,
        lambda om: {"name": "Renamed", "revision": journey_of(om).revision},
    ),
    Case(
        "journey delete",
        "post",
        part("part-delete", "journeys-journeys", journey_of),
        LEVEL_WRITE,
        lambda om: {"revision": journey_of(om).revision},
    ),
    Case(
        "stage new",
        "post",
        part("part-new", "journeys-stages"),
        LEVEL_WRITE,
        lambda om: {"journey": journey_of(om).pk, "name": "Run"},
    ),
    Case(
        "stage edit",
        "post",
        part("part-edit", "journeys-stages", idea),
        LEVEL_WRITE,
        lambda om: {"journey": journey_of(om).pk, "name": "Ideas", "revision": idea(om).revision},
    ),
    Case(
        "stage delete",
        "post",
        part("part-delete", "journeys-stages", idea),
        LEVEL_WRITE,
        lambda om: {"revision": idea(om).revision},
    ),
    Case(
        "stage move",
        "post",
        page("journeys-stage-move", idea),
        LEVEL_WRITE,
        lambda om: {"direction": "right"},
    ),
    # steps: the lead adds, edits, moves, reverts and deletes their squad's steps only
    Case("step new form", "get", part("part-new", "journeys-steps"), LEAD_FORM),
    Case(
        "step new for own squad",
        "post",
        part("part-new", "journeys-steps"),
        LEAD_WRITE,
        lambda om: {
            "stage": idea(om).pk,
            "title": "New",
            "squad": own(om).pk,
            "automation": "manual",
        },
    ),
    Case(
        "step new for another squad",
        "post",
        part("part-new", "journeys-steps"),
        LEAD_INVALID,
        lambda om: {
            "stage": idea(om).pk,
            "title": "New",
            "squad": other(om).pk,
            "automation": "manual",
        },
    ),
    Case(
        "step new for no squad",
        "post",
        part("part-new", "journeys-steps"),
        LEAD_INVALID,
        lambda om: {"stage": idea(om).pk, "title": "New", "squad": "", "automation": "manual"},
    ),
    Case("own step edit form", "get", part("part-edit", "journeys-steps", own_step), LEAD_FORM),
    Case(
        "other step edit form", "get", part("part-edit", "journeys-steps", other_step), LEVEL_FORM
    ),
    Case(
        "own step edit",
        "post",
        part("part-edit", "journeys-steps", own_step),
        LEAD_WRITE,
        lambda om: step_data(om, own_step(om), title="Own idea, sharper", pain_points="Waits"),
    ),
    Case(
        "own step edit, one field",
        "post",
        part("part-edit", "journeys-steps", own_step, "?field=pain_points"),
        LEAD_WRITE,
        lambda om: {"pain_points": "Slow reviews", "revision": own_step(om).revision},
    ),
    Case(
        "own step handed to another squad",
        "post",
        part("part-edit", "journeys-steps", own_step),
        LEAD_INVALID,
        lambda om: step_data(om, own_step(om), squad=other(om).pk),
    ),
    Case(
        "own step handed to another squad, one field",
        "post",
        part("part-edit", "journeys-steps", own_step, "?field=squad"),
        LEAD_INVALID,
        lambda om: {"squad": other(om).pk, "revision": own_step(om).revision},
    ),
    Case(
        "other step edit",
        "post",
        part("part-edit", "journeys-steps", other_step),
        LEVEL_WRITE,
        lambda om: step_data(om, other_step(om), title="Taken over"),
    ),
    Case(
        "other step claimed by the lead",
        "post",
        part("part-edit", "journeys-steps", other_step),
        LEVEL_WRITE,
        lambda om: step_data(om, other_step(om), squad=own(om).pk),
    ),
    Case(
        "own step delete",
        "post",
        part("part-delete", "journeys-steps", own_step),
        LEAD_WRITE,
        lambda om: {"revision": own_step(om).revision},
    ),
    Case(
        "other step delete",
        "post",
        part("part-delete", "journeys-steps", other_step),
        LEVEL_WRITE,
        lambda om: {"revision": other_step(om).revision},
    ),
    Case(
        "own step revert",
        "post",
        revert_url(own_step, "journeys-steps"),
        LEAD_WRITE,
        lambda om: {"revision": own_step(om).revision},
    ),
    Case(
        "other step revert",
        "post",
        revert_url(other_step, "journeys-steps"),
        LEVEL_WRITE,
        lambda om: {"revision": other_step(om).revision},
    ),
    Case(
        "own step to the next stage",
        "post",
        page("journeys-step-move", own_step),
        LEAD_WRITE,
        lambda om: {"direction": "right"},
    ),
    Case(
        "own step down in its stage",
        "post",
        page("journeys-step-move", own_step),
        LEAD_WRITE,
        lambda om: {"direction": "down"},
    ),
    Case(
        "own step dropped in a stage",
        "post",
        page("journeys-step-move", own_step),
        LEAD_WRITE,
        lambda om: {"stage": build(om).pk, "index": 1},
    ),
    Case(
        "other step to the next stage",
        "post",
        page("journeys-step-move", other_step),
        LEVEL_WRITE,
        lambda om: {"direction": "right"},
    ),
]


def snapshot(om) -> tuple:
    """Every Level 3 row with its revision, position and parent: a refused write changes none."""
    return (
        tuple(
            sorted(
                Journey.objects.filter(operating_model=om).values_list("pk", "revision", "position")
            )
        ),
        tuple(
            sorted(
                Stage.objects.filter(operating_model=om).values_list(
                    "pk", "revision", "position", "journey_id"
                )
            )
        ),
        tuple(
            sorted(
                Step.objects.filter(operating_model=om).values_list(
                    "pk", "revision", "position", "stage_id", "squad_id"
                )
            )
        ),
    )


def _prepare(om, people) -> None:
    """Give the steps a second version, so a revert has something to go back to."""
    from opmodel.registry import registry
    from opmodel.services import part_update

    section = registry.get("journeys.steps")
    for step in (own_step(om), other_step(om)):
        part_update(
            section=section,
            part=step,
            revision=step.revision,
            actor=people["editor"],
            data={"description": "Written down in the workshop"},
        )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_level3_permission_matrix(case: Case, journeys_om, other_om, people, client_for):
    _prepare(journeys_om, people)
    wrong = wrong_answers(case, journeys_om, people, client_for, snapshot)
    assert not wrong, (case.name, wrong)


def test_a_lead_sees_step_controls_on_their_squads_steps_only(journeys_om, people, client_for):
    html = (
        client_for(people["lead"])
        .get(reverse("journeys-journey", args=[journeys_om.slug, journey_of(journeys_om).pk]))
        .content.decode()
    )
    mine, theirs = own_step(journeys_om).pk, other_step(journeys_om).pk
    assert f'id="step-right-{mine}"' in html and f"/journeys-steps/{mine}/edit/" in html
    assert f'id="step-right-{theirs}"' not in html and f"/journeys-steps/{theirs}/edit/" not in html
    assert "Add step" in html and "for-lead" in html  # their steps are marked as theirs
    # stages and the journey are the editors' to change
    assert "Add stage" not in html and "Edit journey" not in html
    assert f'id="stage-right-{idea(journeys_om).pk}"' not in html


def test_a_viewer_sees_no_controls_at_all(journeys_om, people, client_for):
    html = (
        client_for(people["viewer"])
        .get(reverse("journeys-journey", args=[journeys_om.slug, journey_of(journeys_om).pk]))
        .content.decode()
    )
    assert "Add step" not in html and "step-right-" not in html and "/edit/" not in html


def test_another_models_step_is_404_even_for_its_facilitator(
    journeys_om, people, client_for, make_user
):
    from tests.journeys.conftest import make_journeys_model

    elsewhere = make_journeys_model(
        {**people, "facilitator": make_user("boss")} | {"lead": make_user("lead2")}, "Elsewhere"
    )
    foreign = step_named(elsewhere, "Own idea step")
    client = client_for(people["facilitator"])
    url = reverse("journeys-step-move", args=[journeys_om.slug, foreign.pk])
    assert client.post(url, {"direction": "right"}).status_code == 404
    # nor can a step be moved into another model's stage
    url = reverse("journeys-step-move", args=[journeys_om.slug, own_step(journeys_om).pk])
    assert client.post(url, {"stage": stage_named(elsewhere, "Build").pk}).status_code == 404
    assert step_named(elsewhere, "Own idea step").stage.name == "Idea"


def test_the_step_rule_refuses_other_squads(journeys_om, people):
    """Behind the form: whatever a request carries, a lead's step must be their squad's."""
    from journeys.rules import step_rule
    from opmodel.access import access_for
    from opmodel.registry import registry

    section = registry.get("journeys.steps")
    access = access_for(people["lead"], journeys_om)
    mine, theirs = own_step(journeys_om), other_step(journeys_om)
    assert step_rule(access=access, section=section, part=mine, action="edit")
    assert not step_rule(access=access, section=section, part=theirs, action="edit")
    mine.squad = other(journeys_om)  # the step as a crafted request would save it
    assert not step_rule(access=access, section=section, part=mine, action="edit")
    mine.squad = None
    assert not step_rule(access=access, section=section, part=mine, action="create")
