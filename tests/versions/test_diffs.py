"""Diffs: each kind of change in each registered section, made through the real import path
(rows matched by id) and read back as words.

Engine tests (both passes): those that change the model through the import path or the parts
service (writes, positions, history) and read the diff of what was written. The diff of two
documents edited in memory, and the reader's names, run once (SQLite): nothing is written, and
the only read is the snapshot, which the engine tests take too."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from canvas.models import Metric, Principle
from opmodel.registry import Section, registry
from opmodel.services import part_update
from opmodel.versions import diff_documents, snapshot_build
from opmodel.versions.timeline import diff_authors

pytestmark = [pytest.mark.django_db]

LISTS = [s for s in registry.sections() if not s.singleton]
GROUPED = [s for s in LISTS if s.group_field]


def _text_field(section: Section) -> str | None:
    """The first edited text field that is not a choice: what a rename changes."""
    for name in section.fields:
        field = section.model._meta.get_field(name)
        if field.get_internal_type() in ("CharField", "TextField") and not field.choices:
            return name
    return None


# Sections whose rows have a name-like text field (a matrix cell has only its role).
TEXTED = [s for s in registry.sections() if _text_field(s)]


def _diff(model, reimport, edit):
    before = snapshot_build(model)
    reimport(model, edit)
    return diff_documents(before, snapshot_build(model))


def _only(diff, section: Section):
    others = [s for s in diff.changed_sections if s.section.key != section.key]
    assert others == [], [s.summary for s in others]
    return next(s for s in diff.sections if s.section.key == section.key)


@pytest.mark.engine
@pytest.mark.parametrize("section", TEXTED, ids=lambda s: s.key)
def test_a_rename_is_a_change_field_by_field_not_a_removal(section, small_om, reimport):
    name = _text_field(section)

    def edit(sections: dict[str, Any]) -> None:
        row = sections[section.key] if section.singleton else sections[section.key][0]
        row[name] = f"{row.get(name) or 'Something'} (renamed)"

    result = _only(_diff(small_om, reimport, edit), section)
    assert (len(result.changed), result.added, result.removed) == (1, [], [])
    change = result.changed[0]
    assert [f.name for f in change.fields] == [name]
    assert change.fields[0].new.endswith("(renamed)")
    assert change.fields[0].label == section.field_label(name)
    assert result.summary.endswith("changed")


@pytest.mark.engine
@pytest.mark.parametrize("section", [s for s in LISTS if s in TEXTED], ids=lambda s: s.key)
def test_an_added_row_is_listed_with_its_values(section, small_om, reimport):
    name = _text_field(section)

    def edit(sections: dict[str, Any]) -> None:
        row = copy.deepcopy(sections[section.key][0])
        row.pop("id")
        row[name] = "Brand new"
        sections[section.key].append(row)

    result = _only(_diff(small_om, reimport, edit), section)
    assert len(result.added) == 1  # named by its own text, or by what it links (an interaction)
    assert result.summary == f"1 {section.item_noun} added"
    assert any(f.new == "Brand new" for f in result.added[0].fields)


@pytest.mark.engine
@pytest.mark.parametrize("section", LISTS, ids=lambda s: s.key)
def test_a_removed_row_is_named(section, small_om, reimport):
    # The last row nothing else refers to (removing a referenced squad would orphan its people).
    referenced = {
        getattr(row, field.attname)
        for other in registry.sections()
        for field in other.model._meta.concrete_fields
        if field.is_relation and field.related_model is section.model
        for row in other.rows(small_om)
    }
    gone = [row for row in section.rows(small_om) if row.pk not in referenced][-1]

    def edit(sections: dict[str, Any]) -> None:
        sections[section.key] = [r for r in sections[section.key] if r["id"] != gone.pk]

    result = _only(_diff(small_om, reimport, edit), section)
    assert [(r.name, r.kind) for r in result.removed] == [(str(gone), "removed")]
    assert result.summary == f"1 {section.item_noun} removed"


@pytest.mark.engine
@pytest.mark.parametrize("section", GROUPED, ids=lambda s: s.key)
def test_a_row_moved_between_groups_is_a_move_with_both_labels(section, om, reimport):
    field = section.model._meta.get_field(section.group_field)
    row = section.rows(om).first()
    old = getattr(row, section.group_field)
    new_value, new_label = next((v, lbl) for v, lbl in field.choices if v != old)

    def edit(sections: dict[str, Any]) -> None:
        for item in sections[section.key]:
            if item["id"] == row.pk:
                item[section.group_field] = new_value

    result = _only(_diff(om, reimport, edit), section)
    assert len(result.moved) == 1 and not result.changed
    moved = result.moved[0]
    assert moved.group_old == dict(field.choices)[old]  # labels, not stored values
    assert moved.group_new == new_label
    assert not result.reordered  # a move is not also reported as a reorder


@pytest.mark.engine
@pytest.mark.parametrize("section", LISTS, ids=lambda s: s.key)
def test_a_new_order_is_reported_once(section, om, reimport):
    def edit(sections: dict[str, Any]) -> None:
        sections[section.key].reverse()

    result = _only(_diff(om, reimport, edit), section)
    assert result.reordered and not result.rows
    assert "reordered" in result.summary


def test_the_summary_counts_each_kind(small_om):
    before = snapshot_build(small_om)
    after = copy.deepcopy(before)
    metrics = after["sections"]["canvas.metrics"]
    metrics[0]["target"] = "1"
    metrics += [
        {"id": 9001, "name": "A", "category": "trust"},
        {"id": 9002, "name": "B", "category": "kaizen"},
    ]
    diff = diff_documents(before, after)
    section = next(s for s in diff.sections if s.section.key == "canvas.metrics")
    assert section.summary == "1 metric changed, 2 added"
    assert diff.change_count == 3


def test_choices_show_their_labels_and_booleans_read_yes_no(small_om):
    before = snapshot_build(small_om)
    after = copy.deepcopy(before)
    after["sections"]["canvas.skills"][0]["target_level"] = "leader"
    after["sections"]["canvas.metrics"][0]["is_north_star"] = True
    diff = diff_documents(before, after)
    fields = {f.name: f for s in diff.changed_sections for r in s.rows for f in r.fields}
    assert (fields["target_level"].old, fields["target_level"].new) == ("Expert", "Thought leader")
    assert (fields["is_north_star"].old, fields["is_north_star"].new) == ("No", "Yes")


def test_model_details_are_compared_too(small_om):
    before = snapshot_build(small_om)
    after = copy.deepcopy(before)
    after["model"]["name"] = "Renamed model"
    diff = diff_documents(before, after)
    assert [(f.name, f.new) for f in diff.model_fields] == [("name", "Renamed model")]


def test_identical_documents_have_no_diff(om):
    document = snapshot_build(om)
    assert diff_documents(document, copy.deepcopy(document)).empty


@pytest.mark.engine
def test_the_diff_names_who_made_each_change(om, publish, people):
    release = publish(om)
    metric = Metric.objects.filter(operating_model=om).first()
    part_update(
        section=registry.get("canvas.metrics"),
        part=metric,
        revision=metric.revision,
        actor=people["editor"],
        data={"target": "75"},
    )
    principle = Principle.objects.filter(operating_model=om).first()
    part_update(
        section=registry.get("canvas.principles"),
        part=principle,
        revision=principle.revision,
        actor=people["facilitator"],
        data={"statement": "New words"},
    )
    diff = diff_documents(release.snapshot, snapshot_build(om))
    diff_authors(om, diff, release.published_at, None)
    who = {r.name: r.who for s in diff.changed_sections for r in s.rows}
    assert who == {metric.name: ["editor"], principle.name: ["facilitator"]}


def test_names_are_built_only_for_the_sections_they_need(om):
    """A diff names the few rows that changed: the reader builds those sections' rows and the
    ones they refer to, not the whole document (most of a large compare page's time)."""
    from journeys.models import Step
    from opmodel.versions.diffs import Reader
    from opmodel.versions.snapshots import sections_referred

    assert {"teams.capabilities", "teams.squads"} <= sections_referred("teams.accountabilities")
    step = Step.objects.filter(operating_model=om).exclude(squad=None).first()
    reader = Reader(snapshot_build(om))
    assert reader.built == set()
    name = reader.name(registry.get("journeys.steps"), step.pk)
    assert name == str(registry.get("journeys.steps").describe(step))
    assert reader.built == sections_referred("journeys.steps")
    assert {"journeys.stages", "teams.squads"} <= reader.built
    assert "canvas.metrics" not in reader.built
    squad = reader.value(registry.get("journeys.steps"), "squad", step.squad_id)
    assert squad == step.squad.name
