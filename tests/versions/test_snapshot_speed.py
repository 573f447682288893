"""Lean snapshots give exactly what the row-by-row ones gave.

``snapshot_build`` reads columns with ``values_list`` and ``snapshot_as_of`` scans history once;
the references below are what they did before: ``Section.serialise`` of every prefetched row,
and simple-history's ``latest_of_each().as_instances()``. Compared on every starter (the demo
among them) and on a generated large model with a history of edits, moves and deletions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from bench.largemodel import build_large_model
from opmodel.registry import comparable as plain
from opmodel.registry import registry
from opmodel.services import operating_model_create, part_delete, part_update
from opmodel.starters import starter_documents
from opmodel.versions import snapshot_as_of, snapshot_build
from opmodel.versions.snapshots import _sections_document, model_meta

pytestmark = pytest.mark.django_db


def built_row_by_row(operating_model: Any) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "model": model_meta(operating_model),
        "sections": _sections_document(
            {
                section.key: [
                    {name: plain(value) for name, value in section.serialise(row).items()}
                    for row in section.serialisable_rows(operating_model)
                ]
                for section in registry.sections()
            }
        ),
    }


def as_of_row_by_row(operating_model: Any, when: dt.datetime) -> dict[str, Any]:
    rows = {}
    for section in registry.sections():
        instances = (
            section.model.history.filter(  # type: ignore[attr-defined]
                operating_model_id=operating_model.pk, history_date__lte=when
            )
            .latest_of_each()
            .as_instances()
        )
        group = section.group_field

        def key(r: Any, group: str | None = group) -> tuple[str, int, int]:
            return (str(getattr(r, group)) if group else "", r.position, r.pk)

        ordered = sorted(instances, key=key)
        rows[section.key] = [
            {
                "id": r.pk,
                **{
                    name: plain(getattr(r, section.model_field(name).attname))
                    for name in section.fields
                    if not section.model_field(name).many_to_many
                },
            }
            for r in ordered
        ]
    return _sections_document(rows)


@pytest.mark.parametrize("starter", [s.key for s in starter_documents()])
def test_a_starter_snapshots_as_before(people, starter):
    document = next(s for s in starter_documents() if s.key == starter).document
    model = operating_model_create(
        actor=people["facilitator"], name="A", organisation="A", starter=document
    )
    assert snapshot_build(model) == built_row_by_row(model)
    now = timezone.now()
    assert snapshot_as_of(model, now)["sections"] == as_of_row_by_row(model, now)


def test_a_large_model_with_history_snapshots_as_before(people):
    actor = people["editor"]
    large = build_large_model(actor=actor, scale=0.05, history_rows=400)
    model = large.operating_model
    # links, an edit into another group, deletions (cascading), all after a first moment
    technologies = list(registry.get("canvas.technologies").rows(model))
    for i, step in enumerate(registry.get("journeys.steps").rows(model)[:12]):
        step.technologies.set(technologies[: i % 4])
    first = timezone.now()
    principles = registry.get("canvas.principles")
    principle = principles.rows(model)[0]
    part_update(
        section=principles,
        part=principle,
        revision=principle.revision,
        actor=actor,
        data={"group": "delivery", "name": "Moved"},
    )
    squads = registry.get("teams.squads")
    for squad in list(squads.rows(model))[:2]:
        part_delete(section=squads, part=squad, revision=squad.revision, actor=actor)
    later = timezone.now()

    assert snapshot_build(model) == built_row_by_row(model)
    assert any(s["technologies"] for s in snapshot_build(model)["sections"]["journeys.steps"])
    for when in (large_epoch(), first, later):
        assert snapshot_as_of(model, when)["sections"] == as_of_row_by_row(model, when)
    assert snapshot_as_of(model, first)["sections"] != snapshot_as_of(model, later)["sections"]


def large_epoch() -> dt.datetime:
    from bench.largemodel import EPOCH

    return EPOCH + dt.timedelta(hours=1)
