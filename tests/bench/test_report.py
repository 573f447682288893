"""The bench report flags a case whose ratio to the floor rose by more than 20 %."""

from __future__ import annotations

from bench.report import _regression, previous_ratios, splice
from bench.versions import target_ms

COMMITTED = """
### Versions on SQLite 3.40.1

| function | model | rows | median ms | p95 ms | × floor (median) | × floor (p95) |
| --- | --- | ---: | ---: | ---: | ---: | ---: |
| snapshot_build (the draft) | large | 4361 | 240.0 | 250.0 | 100.0 | 90.0 |
| document_dump YAML | large | 4361 | 800.0 | 820.0 | 400.0 | 380.0 |
"""


def test_a_ratio_that_rose_by_more_than_a_fifth_is_flagged_and_others_are_not():
    previous = previous_ratios(COMMITTED)
    assert previous == {
        ("Versions on SQLite 3.40.1", "snapshot_build (the draft)", "large"): 100.0,
        ("Versions on SQLite 3.40.1", "document_dump YAML", "large"): 400.0,
    }
    heading = "Versions on SQLite 3.40.1"
    row = {"case": "snapshot_build (the draft)", "model": "large", "floor": False}
    assert _regression(previous, heading, {**row, "ratio_median": 121.0}) == "**+21 %**"
    assert _regression(previous, heading, {**row, "ratio_median": 119.0}) == ""
    assert _regression(previous, heading, {**row, "ratio_median": 12.0}) == ""
    assert _regression(previous, "Versions on PostgreSQL 15", {**row, "ratio_median": 999}) == ""


def test_targets_scale_with_the_rows_or_are_flat():
    assert target_ms("document_import into a new model (rolled back)", 4000) == 1400.0
    assert target_ms("snapshot_as_of (now, from history)", 1000) == 50.0
    assert target_ms("release_publish (rolled back)", 4000) == 100.0
    assert target_ms("diff_documents (draft vs a few rows edited)", 4000) is None


def test_a_subset_run_replaces_only_the_sections_it_measured():
    committed = (
        "# r\n\n- date: old\n\n## Pages\n\nold pages\n\n## Versions\n\nold versions\n\n"
        "## PDF\n\npdf\n"
    )
    partial = "# r\n\n- date: new\n\n## Versions\n\nnew versions\n"
    spliced = splice(committed, partial, note="versions re-measured")
    assert spliced == (
        "# r\n\n- date: old\n- versions re-measured\n\n## Pages\n\nold pages\n\n"
        "## Versions\n\nnew versions\n\n## PDF\n\npdf\n"
    )
