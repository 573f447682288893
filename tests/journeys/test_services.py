"""Moving steps and stages, and Level 3 in the core's machinery: history, revisions, live
events, releases, export and import."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from journeys.models import Journey, Stage, Step
from journeys.services import stage_shift, step_move, step_shift
from opmodel.registry import registry
from opmodel.services import part_update, release_publish
from tests.journeys.conftest import journey_of, stage_named, step_named

pytestmark = [pytest.mark.engine, pytest.mark.django_db]


def titles(stage: Stage) -> list[str]:
    return list(
        Step.objects.filter(stage=stage).order_by("position", "pk").values_list("title", flat=True)
    )


def stage_names(journey: Journey) -> list[str]:
    stages = Stage.objects.filter(journey=journey).order_by("position", "pk")
    return list(stages.values_list("name", flat=True))


def test_moving_a_step_to_another_stage_is_an_edit_with_history_and_events(
    journeys_om, people, captured_events
):
    step = step_named(journeys_om, "Own idea step")
    build = stage_named(journeys_om, "Build")
    step_move(step=step, stage=build, index=1, actor=people["lead"])
    assert titles(build) == ["Own build step", "Own idea step", "Other build step"]
    assert titles(stage_named(journeys_om, "Idea")) == ["Other idea step"]
    moved = step_named(journeys_om, "Own idea step")
    assert moved.revision == step.revision + 1  # the stage is content: the revision moves on
    last = moved.history.order_by("-history_id").first()
    assert last.history_user == people["lead"]
    assert any(
        "Moved to the stage Build" in (r.history_change_reason or "") for r in moved.history.all()
    )
    heard = captured_events.of(type="change")
    assert {e["action"] for e in heard} == {"updated", "moved"}
    assert {e["section"] for e in heard} == {"journeys.steps"}
    assert {e["actor_id"] for e in heard} == {people["lead"].pk}
    # technologies survive the move
    assert [t.name for t in moved.technologies.all()] == ["Kafka"]


def test_the_keyboard_moves_go_up_down_left_right_and_stop_at_the_edges(journeys_om, people):
    idea, build = stage_named(journeys_om, "Idea"), stage_named(journeys_om, "Build")
    step = step_named(journeys_om, "Other idea step")
    step_shift(step=step, direction="up", actor=people["editor"])
    assert titles(idea) == ["Other idea step", "Own idea step"]
    step_shift(
        step=step_named(journeys_om, "Other idea step"), direction="up", actor=people["editor"]
    )
    assert titles(idea) == ["Other idea step", "Own idea step"]  # already first
    step_shift(
        step=step_named(journeys_om, "Other idea step"), direction="left", actor=people["editor"]
    )
    assert titles(idea) == ["Other idea step", "Own idea step"]  # no stage before the first
    step_shift(
        step=step_named(journeys_om, "Other idea step"), direction="right", actor=people["editor"]
    )
    assert titles(build) == ["Own build step", "Other build step", "Other idea step"]
    step_shift(
        step=step_named(journeys_om, "Other idea step"), direction="right", actor=people["editor"]
    )
    assert titles(build)[-1] == "Other idea step"  # no stage after the last


def test_reordering_steps_moves_only_that_stage_s_rows(journeys_om, people, captured_events):
    idea = stage_named(journeys_om, "Idea")
    others = dict(Step.objects.exclude(stage=idea).values_list("pk", "position"))
    step_shift(
        step=step_named(journeys_om, "Other idea step"), direction="up", actor=people["editor"]
    )
    assert dict(Step.objects.exclude(stage=idea).values_list("pk", "position")) == others
    moved = captured_events.one(type="change")
    assert (moved["section"], moved["action"], moved["id"]) == ("journeys.steps", "moved", None)
    assert moved["channel"] == journeys_om.channel
    # a move changes no content: revisions stay, history says "Reordered"
    step = step_named(journeys_om, "Other idea step")
    assert step.revision == 1
    assert step.history.order_by("-history_id").first().history_change_reason == "Reordered"


def test_a_step_moves_only_between_the_stages_of_its_journey(journeys_om, people):
    from django.core.exceptions import ValidationError

    from opmodel.services import part_create

    other_journey = part_create(
        section=registry.get("journeys.journeys"),
        operating_model=journeys_om,
        actor=people["editor"],
        data={"name": "Incident"},
    )
    elsewhere = part_create(
        section=registry.get("journeys.stages"),
        operating_model=journeys_om,
        actor=people["editor"],
        data={"journey": other_journey, "name": "Detect"},
    )
    with pytest.raises(ValidationError):
        step_move(
            step=step_named(journeys_om, "Own idea step"), stage=elsewhere, index=0, actor=None
        )
    assert step_named(journeys_om, "Own idea step").stage.name == "Idea"


def test_stages_move_left_and_right_within_their_journey(journeys_om, people, captured_events):
    journey = journey_of(journeys_om)
    stage_shift(stage=stage_named(journeys_om, "Build"), direction="left", actor=people["editor"])
    assert stage_names(journey) == ["Build", "Idea"]
    stage_shift(stage=stage_named(journeys_om, "Build"), direction="left", actor=people["editor"])
    assert stage_names(journey) == ["Build", "Idea"]
    assert [e["action"] for e in captured_events.of(type="change")] == ["moved"]


def test_a_stale_step_edit_is_refused_and_nothing_is_lost(journeys_om, people, client_for):
    step = step_named(journeys_om, "Own idea step")
    url = reverse(
        "part-edit", kwargs={"slug": journeys_om.slug, "key": "journeys-steps", "pk": step.pk}
    )
    client = client_for(people["lead"])
    first = client.post(url + "?field=pain_points", {"pain_points": "Reviews wait", "revision": 1})
    assert first.status_code == 302
    stale = client.post(
        url + "?field=pain_points",
        {"pain_points": "Something else", "revision": 1},
        headers={"HX-Request": "true"},
    )
    assert stale.status_code == 409
    assert step_named(journeys_om, "Own idea step").pain_points == "Reviews wait"


def test_a_release_holds_the_journeys_and_renders_them(journeys_om, people, client_for):
    release = release_publish(
        operating_model=journeys_om, actor=people["facilitator"], title="With journeys"
    )
    steps = release.snapshot["sections"]["journeys.steps"]
    assert {s["title"] for s in steps} >= {"Own idea step", "Other build step"}
    kafka = next(s for s in steps if s["title"] == "Own idea step")["technologies"]
    assert len(kafka) == 1
    html = client_for(people["viewer"]).get(release.get_absolute_url()).content.decode()
    assert "Journey steps" in html and "Own idea step" in html and "Data product journey" in html


def test_export_and_import_round_trip_keeps_the_journeys(journeys_om, people):
    from opmodel.services import operating_model_create
    from opmodel.versions.snapshots import snapshot_build

    document = snapshot_build(journeys_om)
    copy = operating_model_create(
        actor=people["facilitator"], name="Copy", organisation="Quokka Inc", starter=document
    )
    again = snapshot_build(copy)
    assert [s["title"] for s in again["sections"]["journeys.steps"]] == [
        s["title"] for s in document["sections"]["journeys.steps"]
    ]
    step = Step.objects.get(operating_model=copy, title="Own idea step")
    assert [t.name for t in step.technologies.all()] == ["Kafka"]
    assert step.squad.operating_model == copy


def test_the_demo_loads_with_its_two_journeys(db, capsys):
    call_command("load_demo")
    journeys = Journey.objects.filter(operating_model__slug="quokka").order_by("position")
    assert [j.name for j in journeys] == [
        "Industrialised data product journey",
        "Data incident journey",
    ]
    idp = journeys[0]
    assert stage_names(idp) == [
        "Idea & data contract",
        "Build",
        "Quality checks",
        "Publish to the catalog",
        "Consumption",
        "Operation",
        "Retirement",
    ]
    steps = Step.objects.filter(stage__journey=idp)
    assert steps.exclude(pain_points="").count() >= 5
    assert steps.filter(technologies__lifecycle="hold").exists()
    assert steps.values("squad").distinct().count() >= 5


def test_editing_a_step_keeps_its_technologies_unless_they_are_changed(journeys_om, people):
    step = step_named(journeys_om, "Own idea step")
    saved = part_update(
        section=registry.get("journeys.steps"),
        part=step,
        revision=step.revision,
        actor=people["editor"],
        data={"title": "Own idea, sharper"},
    )
    assert [t.name for t in saved.technologies.all()] == ["Kafka"]
