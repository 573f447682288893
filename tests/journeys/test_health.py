"""Each Level 3 health check: a failing and a passing case, made through the real services."""

from __future__ import annotations

import pytest

from canvas.models import Technology
from journeys import health
from opmodel.registry import registry
from opmodel.selectors import model_health
from opmodel.services import part_create, part_delete, part_update
from tests.journeys.conftest import stage_named, step_named
from tests.teams.conftest import squad_named

pytestmark = [pytest.mark.engine, pytest.mark.django_db]
STEPS = registry.get("journeys.steps")


def found(check, model) -> list[tuple[str, int | None, str]]:
    return [(f.check, f.part_id, f.severity) for f in check(model)]


def edit(step, actor, **data):
    return part_update(section=STEPS, part=step, revision=step.revision, actor=actor, data=data)


def test_the_small_journey_passes_every_level3_check(journeys_om):
    assert [f for f in model_health(journeys_om, level=3) if f.section.startswith("journeys")] == []


def test_a_step_nobody_performs_is_an_error(journeys_om, people):
    step = step_named(journeys_om, "Other idea step")
    edit(step, people["editor"], squad=None)
    assert found(health.step_without_squad, journeys_om) == [("step-no-squad", step.pk, "error")]
    edit(
        step_named(journeys_om, "Other idea step"),
        people["editor"],
        squad=squad_named(journeys_om, "Other squad"),
    )
    assert found(health.step_without_squad, journeys_om) == []


def test_a_stage_with_no_steps_is_a_warning(journeys_om, people):
    run = part_create(
        section=registry.get("journeys.stages"),
        operating_model=journeys_om,
        actor=people["editor"],
        data={"journey": stage_named(journeys_om, "Idea").journey, "name": "Run"},
    )
    assert found(health.stage_without_steps, journeys_om) == [("stage-no-steps", run.pk, "warning")]
    part_create(
        section=STEPS,
        operating_model=journeys_om,
        actor=people["editor"],
        data={"stage": run, "title": "Watch it", "automation": "fully"},
    )
    assert found(health.stage_without_steps, journeys_om) == []


def test_a_step_using_a_technology_on_hold_is_a_warning(journeys_om, people):
    step = step_named(journeys_om, "Own build step")
    old = Technology.objects.get(operating_model=journeys_om, name="Old ETL")
    kafka = Technology.objects.get(operating_model=journeys_om, name="Kafka")
    edit(step, people["editor"], technologies=[kafka, old])
    assert found(health.step_on_hold_technology, journeys_om) == [
        ("step-hold-technology", step.pk, "warning")
    ]
    # moving the technology out of "hold" (Level 1) clears the finding
    part_update(
        section=registry.get("canvas.technologies"),
        part=old,
        revision=old.revision,
        actor=people["editor"],
        data={"lifecycle": "assess"},
    )
    assert found(health.step_on_hold_technology, journeys_om) == []


def test_a_manual_step_that_hurts_is_an_automation_candidate(journeys_om, people):
    step = step_named(journeys_om, "Own idea step")
    edit(step, people["editor"], pain_points="Copied by hand every week")
    # partly automated: not (yet) a candidate
    assert found(health.manual_step_with_pain, journeys_om) == []
    step = edit(step_named(journeys_om, "Own idea step"), people["editor"], automation="manual")
    assert found(health.manual_step_with_pain, journeys_om) == [
        ("automation-candidate", step.pk, "info")
    ]
    edit(step_named(journeys_om, "Own idea step"), people["editor"], pain_points="")
    assert found(health.manual_step_with_pain, journeys_om) == []


def test_a_hand_off_between_squads_with_no_interaction_is_a_warning(journeys_om, people):
    # "Own build step" hands off from Own squad to Platform squad, who interact (x-as-a-service)
    assert found(health.handoff_without_interaction, journeys_om) == []
    step = step_named(journeys_om, "Other build step")
    edit(step, people["editor"], handoff_to=squad_named(journeys_om, "Own squad"))
    (finding,) = health.handoff_without_interaction(journeys_om)
    assert (finding.check, finding.part_id) == ("handoff-no-interaction", step.pk)
    assert "Other squad to Own squad" in finding.message
    # an interaction either way between the two squads is enough
    interaction = part_create(
        section=registry.get("teams.interactions"),
        operating_model=journeys_om,
        actor=people["editor"],
        data={
            "squad": squad_named(journeys_om, "Own squad"),
            "partner": squad_named(journeys_om, "Other squad"),
            "mode": "collaboration",
        },
    )
    assert found(health.handoff_without_interaction, journeys_om) == []
    part_delete(
        section=registry.get("teams.interactions"),
        part=interaction,
        revision=interaction.revision,
        actor=people["editor"],
    )
    assert len(found(health.handoff_without_interaction, journeys_om)) == 1


def test_a_step_cannot_hand_off_to_its_own_squad(journeys_om, people):
    from django.core.exceptions import ValidationError

    step = step_named(journeys_om, "Own idea step")
    with pytest.raises(ValidationError) as error:
        edit(step, people["editor"], handoff_to=squad_named(journeys_om, "Own squad"))
    assert "handoff_to" in error.value.message_dict


def test_the_demo_has_real_findings_for_the_workshop(om):
    checks = {f.check for f in model_health(om, level=3)}
    assert {"step-hold-technology", "automation-candidate", "handoff-no-interaction"} <= checks
    assert "step-no-squad" not in checks and "stage-no-steps" not in checks
