from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from canvas.models import Metric, Principle, Purpose, Stage
from opmodel import services
from opmodel.access import access_for, role_of
from opmodel.models import Role
from opmodel.registry import registry

pytestmark = [pytest.mark.engine, pytest.mark.django_db]

STAGES = registry.get("canvas.stages")
METRICS = registry.get("canvas.metrics")
PRINCIPLES = registry.get("canvas.principles")
PURPOSE = registry.get("canvas.purpose")


def test_creating_a_model_makes_the_creator_its_facilitator_with_every_singleton(make_user):
    user = make_user()
    model = services.operating_model_create(actor=user, name="Ops 2027", organisation="Acme")
    assert role_of(user, model) == Role.FACILITATOR
    assert access_for(user, model).can_manage
    assert Purpose.objects.filter(operating_model=model).count() == 1
    assert model.slug == "ops-2027"


def test_the_quokka_starter_loads_all_thirteen_principles(om):
    names = set(Principle.objects.filter(operating_model=om).values_list("name", flat=True))
    assert len(names) == 13
    assert {"Lean", "Push Capability Down", "Metrics & Visibility"} <= names
    purpose = Purpose.objects.get(operating_model=om)
    assert purpose.mission == "To bring the glory of Quokkas to the entire world"


def test_create_records_history_with_the_actor(om, people, captured_events):
    stage = services.part_create(
        section=STAGES,
        operating_model=om,
        actor=people["editor"],
        data={"name": "Dream", "description": "", "outcome": ""},
    )
    record = stage.history.latest()
    assert record.history_user == people["editor"]
    assert record.history_type == "+"
    assert stage.position == Stage.objects.filter(operating_model=om).count() - 1
    event = captured_events.one(type="change")
    assert event["channel"] == om.channel
    assert (event["section"], event["id"], event["revision"]) == ("canvas.stages", stage.pk, 1)
    assert (event["action"], event["actor_id"]) == ("created", people["editor"].pk)


def test_update_bumps_the_revision_and_records_who_changed_what(om, people, captured_events):
    stage = Stage.objects.filter(operating_model=om).first()
    saved = services.part_update(
        section=STAGES,
        part=stage,
        revision=stage.revision,
        actor=people["editor"],
        data={"name": "Explore"},
    )
    stage.refresh_from_db()
    assert stage.name == "Explore" and stage.revision == saved.revision == 2
    latest = stage.history.order_by("-history_id").first()
    assert latest.history_user == people["editor"] and latest.name == "Explore"
    assert latest.revision == 2
    event = captured_events.one(type="change", section="canvas.stages")
    assert (event["id"], event["revision"], event["action"]) == (stage.pk, 2, "updated")


def test_stale_revision_on_the_same_field_is_refused_and_nothing_is_lost(om, people):
    stage = Stage.objects.filter(operating_model=om).first()
    services.part_update(
        section=STAGES, part=stage, revision=1, actor=people["editor"], data={"name": "Theirs"}
    )
    with pytest.raises(services.StaleRevision) as caught:
        services.part_update(
            section=STAGES,
            part=stage,
            revision=1,
            actor=people["facilitator"],
            data={"name": "Mine"},
        )
    assert caught.value.conflicts == ["name"]
    assert caught.value.merged["name"] == "Mine"  # what the user typed is handed back
    stage.refresh_from_db()
    assert stage.name == "Theirs" and stage.revision == 2


def test_changes_to_different_fields_from_the_same_revision_both_survive(om, people):
    stage = Stage.objects.filter(operating_model=om).first()
    base = {"name": stage.name, "description": stage.description, "outcome": stage.outcome}
    services.part_update(
        section=STAGES,
        part=stage,
        revision=1,
        actor=people["editor"],
        data={**base, "name": "Renamed"},
    )
    services.part_update(
        section=STAGES,
        part=stage,
        revision=1,
        actor=people["facilitator"],
        data={**base, "outcome": "A clear outcome"},
    )
    stage.refresh_from_db()
    assert (stage.name, stage.outcome, stage.revision) == ("Renamed", "A clear outcome", 3)


def test_update_of_a_deleted_row_is_a_conflict_with_no_current_row(om, people):
    stage = Stage.objects.filter(operating_model=om).first()
    services.part_delete(section=STAGES, part=stage, revision=1, actor=people["editor"])
    with pytest.raises(services.StaleRevision) as caught:
        services.part_update(
            section=STAGES, part=stage, revision=1, actor=people["editor"], data={"name": "x"}
        )
    assert caught.value.current is None


def test_invalid_data_is_refused_by_full_clean(om, people):
    stage = Stage.objects.filter(operating_model=om).first()
    with pytest.raises(ValidationError):
        services.part_update(
            section=STAGES, part=stage, revision=1, actor=people["editor"], data={"name": ""}
        )
    stage.refresh_from_db()
    assert stage.revision == 1


def test_delete_refuses_a_stale_revision(om, people):
    stage = Stage.objects.filter(operating_model=om).first()
    services.part_update(
        section=STAGES, part=stage, revision=1, actor=people["editor"], data={"name": "Changed"}
    )
    with pytest.raises(services.StaleRevision):
        services.part_delete(section=STAGES, part=stage, revision=1, actor=people["editor"])
    assert Stage.objects.filter(pk=stage.pk).exists()


def test_delete_records_a_deletion_in_history(om, people, captured_events):
    stage = Stage.objects.filter(operating_model=om).first()
    services.part_delete(section=STAGES, part=stage, revision=1, actor=people["editor"])
    record = Stage.history.filter(id=stage.pk).order_by("-history_id").first()
    assert record.history_type == "-" and record.history_user == people["editor"]
    assert captured_events.one(type="change", action="deleted")["id"] == stage.pk


def test_the_singleton_cannot_be_deleted(om, people):
    purpose = Purpose.objects.get(operating_model=om)
    with pytest.raises(ValidationError):
        services.part_delete(
            section=PURPOSE, part=purpose, revision=purpose.revision, actor=people["editor"]
        )


def test_reorder_sets_positions_without_bumping_revisions(om, people, captured_events):
    stages = list(Stage.objects.filter(operating_model=om))
    ids = [s.pk for s in reversed(stages)]
    services.part_reorder(
        section=STAGES, operating_model=om, ordered_ids=ids, actor=people["editor"]
    )
    after = list(Stage.objects.filter(operating_model=om).order_by("position"))
    assert [s.pk for s in after] == ids
    assert {s.revision for s in after} == {1}
    assert {e["section"] for e in captured_events.of(type="change", action="moved")} == {
        "canvas.stages"
    }


def test_reorder_keeps_rows_missing_from_the_list_and_ignores_foreign_ids(om, other_om, people):
    stages = list(Stage.objects.filter(operating_model=om))
    foreign = services.part_create(
        section=STAGES, operating_model=other_om, actor=people["outsider"], data={"name": "Foreign"}
    )
    services.part_reorder(
        section=STAGES,
        operating_model=om,
        ordered_ids=[stages[2].pk, foreign.pk],
        actor=people["editor"],
    )
    order = list(Stage.objects.filter(operating_model=om).values_list("pk", flat=True))
    assert order[0] == stages[2].pk and len(order) == len(stages)
    foreign.refresh_from_db()
    assert foreign.position == 0


def test_move_within_a_group_only(om, people):
    group = list(Principle.objects.filter(operating_model=om, group="delivery"))
    services.part_move(section=PRINCIPLES, part=group[-1], offset=-1, actor=people["editor"])
    moved = list(
        Principle.objects.filter(operating_model=om, group="delivery").values_list("pk", flat=True)
    )
    assert moved[-2] == group[-1].pk
    other = list(
        Principle.objects.filter(operating_model=om, group="ways_of_working").values_list(
            "position", flat=True
        )
    )
    assert other == sorted(other)


def test_a_new_north_star_takes_over_from_the_old_one(om, people):
    old = Metric.objects.get(operating_model=om, is_north_star=True)
    new = Metric.objects.filter(operating_model=om, is_north_star=False).first()
    services.part_update(
        section=METRICS,
        part=new,
        revision=new.revision,
        actor=people["editor"],
        data={"is_north_star": True},
    )
    old.refresh_from_db()
    assert not old.is_north_star and old.revision == 2
    assert Metric.objects.filter(operating_model=om, is_north_star=True).get().pk == new.pk
    assert (
        old.history.order_by("-history_id")
        .first()
        .history_change_reason.startswith("North star moved")
    )


def test_revert_restores_an_old_version_as_a_new_change(om, people):
    stage = Stage.objects.filter(operating_model=om).first()
    original = stage.name
    services.part_update(
        section=STAGES, part=stage, revision=1, actor=people["editor"], data={"name": "Changed"}
    )
    first = stage.history.order_by("history_id").first()
    services.part_revert(
        section=STAGES,
        part=stage,
        history_id=first.history_id,
        revision=2,
        actor=people["facilitator"],
    )
    stage.refresh_from_db()
    assert stage.name == original and stage.revision == 3
    assert stage.history.count() == 3


def test_the_last_facilitator_can_be_neither_removed_nor_demoted(om, people):
    with pytest.raises(ValidationError):
        services.member_remove(
            operating_model=om, actor=people["facilitator"], user=people["facilitator"]
        )
    with pytest.raises(ValidationError):
        services.member_set_role(
            operating_model=om,
            actor=people["facilitator"],
            user=people["facilitator"],
            role=Role.EDITOR,
        )
    services.member_set_role(
        operating_model=om,
        actor=people["facilitator"],
        user=people["editor"],
        role=Role.FACILITATOR,
    )
    services.member_set_role(
        operating_model=om, actor=people["editor"], user=people["facilitator"], role=Role.VIEWER
    )
    assert role_of(people["facilitator"], om) == Role.VIEWER


def test_a_member_holds_exactly_one_role(om, people):
    services.member_add(
        operating_model=om, actor=people["facilitator"], user=people["viewer"], role=Role.EDITOR
    )
    assert role_of(people["viewer"], om) == Role.EDITOR
    access = access_for(people["viewer"], om)
    assert access.can_edit and not access.can_manage


def test_an_outsider_has_no_access(om, people):
    access = access_for(people["outsider"], om)
    assert not access.can_view and access.role is None


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"sections": {"canvas.nope": []}}, "sections.canvas.nope: unknown section"),
        ({"sections": {"canvas.stages": [{"name": "A", "colour": "red"}]}}, "unknown field"),
        (
            {"sections": {"canvas.metrics": [{"name": "M", "category": "vibes"}]}},
            "canvas.metrics[0].category: 'vibes' is not one of",
        ),
        ({"sections": {"canvas.stages": [{"name": ""}]}}, "canvas.stages[0].name"),
        (
            {"sections": {"canvas.stages": [{"id": 1, "name": "A"}, {"id": 1, "name": "B"}]}},
            "is used twice",
        ),
        ({"sections": {"canvas.stages": {"name": "A"}}}, "expected a list"),
        ({"sections": {"canvas.stages": ["just text"]}}, "expected a mapping"),
    ],
)
def test_a_bad_starter_document_is_refused_and_writes_nothing(document, message, make_user):
    from opmodel.models import OperatingModel

    with pytest.raises(ValidationError) as caught:
        services.operating_model_create(
            actor=make_user(), name="Bad", organisation="Acme", starter=document
        )
    assert message in " ".join(caught.value.messages)
    assert not OperatingModel.objects.filter(name="Bad").exists()
    assert not Stage.objects.exists()


def test_serialise_gives_the_stable_id_and_the_edited_fields(om):
    stage = Stage.objects.filter(operating_model=om).first()
    data = STAGES.serialise(stage)
    assert data == {
        "id": stage.pk,
        "name": stage.name,
        "description": stage.description,
        "outcome": stage.outcome,
    }


# ---------- the live events of the services not asserted above ----------


def _change(event: dict) -> tuple:
    """What a browser acts on in a change event: where, which row, which revision, what."""
    return (event["channel"], event["section"], event["id"], event["revision"], event["action"])


def test_a_new_model_announces_its_singleton_rows_and_nothing_about_its_members(
    make_user, captured_events
):
    user = make_user()
    model = services.operating_model_create(actor=user, name="Ops 2027", organisation="Acme")
    purpose = Purpose.objects.get(operating_model=model)
    singletons = [s.key for s in registry.sections() if s.singleton]
    assert singletons == ["canvas.purpose"]
    assert [_change(e) for e in captured_events] == [
        (model.channel, "canvas.purpose", purpose.pk, 1, "created")
    ]
    assert captured_events.one(type="change")["actor_id"] == user.pk


def test_a_model_from_a_document_announces_each_section_it_fills(make_user, captured_events):
    from tests.conftest import SMALL_STARTER

    user = make_user()
    model = services.operating_model_create_from_document(
        actor=user, name="From a file", organisation="Acme", document=SMALL_STARTER
    )
    purpose = Purpose.objects.get(operating_model=model)
    assert {e["channel"] for e in captured_events} == {model.channel}
    assert {e["actor_id"] for e in captured_events} == {user.pk}
    # the singleton is made, then filled; each section's new rows are announced at once
    assert [(e["section"], e["id"], e["revision"], e["action"]) for e in captured_events] == [
        ("canvas.purpose", purpose.pk, 1, "created"),
        ("canvas.purpose", purpose.pk, 2, "updated"),
        *[
            (key, None, None, "created")
            for key in SMALL_STARTER["sections"]
            if key != "canvas.purpose"
        ],
    ]


def test_a_bad_starter_announces_nothing(
    make_user, captured_events, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks() as sent,
        pytest.raises(ValidationError),
    ):
        services.operating_model_create(
            actor=make_user(),
            name="Bad",
            organisation="Acme",
            starter={"sections": {"canvas.stages": [{"name": ""}]}},
        )
    assert captured_events.of(section="canvas.purpose")  # asked while the model was made ...
    assert sent == []  # ... and dropped with the rolled-back writes: no browser hears of it


def test_membership_changes_announce_no_row(om, people, captured_events):
    services.member_add(
        operating_model=om, actor=people["facilitator"], user=people["outsider"], role=Role.VIEWER
    )
    services.member_set_role(
        operating_model=om, actor=people["facilitator"], user=people["outsider"], role=Role.EDITOR
    )
    with pytest.raises(ValidationError):
        services.member_set_role(
            operating_model=om,
            actor=people["facilitator"],
            user=people["facilitator"],
            role=Role.VIEWER,
        )
    assert role_of(people["outsider"], om) == Role.EDITOR
    assert captured_events == []  # roles are no section's rows: nothing for browsers to fetch


def test_a_move_announces_the_section_once_and_a_move_past_the_end_nothing(
    om, people, captured_events
):
    group = list(Principle.objects.filter(operating_model=om, group="delivery"))
    services.part_move(section=PRINCIPLES, part=group[-1], offset=-1, actor=people["editor"])
    event = captured_events.one(type="change")
    assert _change(event) == (om.channel, "canvas.principles", None, None, "moved")
    assert event["actor_id"] == people["editor"].pk
    captured_events.clear()
    first = Stage.objects.filter(operating_model=om).first()
    services.part_move(section=STAGES, part=first, offset=-1, actor=people["editor"])
    assert captured_events == []


def test_saving_positions_announces_one_move_and_no_moves_nothing(om, people, captured_events):
    stages = list(Stage.objects.filter(operating_model=om))
    stages[0].position, stages[1].position = stages[1].position, stages[0].position
    services.positions_save(
        section=STAGES, operating_model=om, moved=stages[:2], actor=people["editor"]
    )
    assert _change(captured_events.one(type="change")) == (
        om.channel,
        "canvas.stages",
        None,
        None,
        "moved",
    )
    services.positions_save(section=STAGES, operating_model=om, moved=[], actor=people["editor"])
    assert len(captured_events) == 1


def test_a_recorded_change_is_announced_with_its_action(om, people, captured_events):
    stage = Stage.objects.filter(operating_model=om).first()
    services.part_recorded(
        section=STAGES, part=stage, actor=people["facilitator"], reason="Team lead granted"
    )
    services.part_recorded(
        section=STAGES,
        part=stage,
        actor=people["facilitator"],
        reason="Team lead granted",
        action="granted",
    )
    assert [_change(e) for e in captured_events] == [
        (om.channel, "canvas.stages", stage.pk, stage.revision, "updated"),
        (om.channel, "canvas.stages", stage.pk, stage.revision, "granted"),
    ]
    assert {e["actor_id"] for e in captured_events} == {people["facilitator"].pk}


def test_a_system_change_and_a_revert_are_announced_as_updates(om, people, captured_events):
    stage = Stage.objects.filter(operating_model=om).first()
    services.part_set_fields(
        section=STAGES, part=stage, actor=None, data={"name": "Changed"}, reason="By the system"
    )
    first = stage.history.order_by("history_id").first()
    services.part_revert(
        section=STAGES,
        part=stage,
        history_id=first.history_id,
        revision=2,
        actor=people["facilitator"],
    )
    assert [_change(e) + (e["actor_id"],) for e in captured_events] == [
        (om.channel, "canvas.stages", stage.pk, 2, "updated", None),
        (om.channel, "canvas.stages", stage.pk, 3, "updated", people["facilitator"].pk),
    ]


def test_a_restore_announces_the_new_row_and_a_second_restore_nothing(om, people, captured_events):
    stage = Stage.objects.filter(operating_model=om).first()
    services.part_delete(section=STAGES, part=stage, revision=1, actor=people["editor"])
    deleted = Stage.history.filter(id=stage.pk, history_type="-").get()
    captured_events.clear()
    restored = services.part_restore(
        section=STAGES, operating_model=om, history_id=deleted.history_id, actor=people["editor"]
    )
    assert restored.pk != stage.pk
    assert _change(captured_events.one(type="change")) == (
        om.channel,
        "canvas.stages",
        restored.pk,
        1,
        "created",
    )
    with pytest.raises(ValidationError, match="restored already"):
        services.part_restore(
            section=STAGES,
            operating_model=om,
            history_id=deleted.history_id,
            actor=people["editor"],
        )
    assert len(captured_events) == 1
