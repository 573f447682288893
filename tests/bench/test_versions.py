"""The versions step measures every case on a small model (not timed: no timing asserts)."""

from __future__ import annotations

import pytest

from bench.largemodel import build_large_model
from bench.versions import FLOOR, TARGETS, document_rows_count, edited, measure_models
from opmodel.models import OperatingModel
from opmodel.versions import diff_documents, snapshot_build

pytestmark = [pytest.mark.engine, pytest.mark.django_db]


def test_every_versions_case_runs_and_the_rolled_back_writes_leave_nothing(make_user):
    actor = make_user("bench-actor")
    om = build_large_model(actor=actor, scale=0.05, history_rows=60).operating_model
    models_before = OperatingModel.objects.count()

    result = measure_models([("small", om)], actor, rounds=1, seconds=30, warmup=0)

    assert result["rounds"] == 1
    assert result["models"]["small"]["rows"] == document_rows_count(snapshot_build(om)) > 0
    assert result["models"]["small"]["history_rows"] >= 60
    cases = {row["case"] for row in result["rows"]}
    assert FLOOR in cases
    assert {"snapshot_build (the draft)", "release_publish (rolled back)"} <= cases
    assert set(TARGETS) <= cases  # every issue-18 target has its case (sync and preview too)
    assert all(row["samples"] == 1 for row in result["rows"])
    # the import and the release were rolled back
    assert OperatingModel.objects.count() == models_before
    assert not om.releases.exists()


def test_the_edited_document_differs_from_the_draft(make_user):
    actor = make_user("bench-actor")
    om = build_large_model(actor=actor, scale=0.05, history_rows=0).operating_model
    draft = snapshot_build(om)
    diff = diff_documents(draft, edited(draft))
    assert any(section.changed or section.removed for section in diff.sections)
