"""The bench report flags a case whose ratio to the floor rose by more than 20 %."""

from __future__ import annotations

from bench.report import (
    _api,
    _load_pages,
    _regression,
    keep_written_by_hand,
    previous_ratios,
    splice,
)
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


def test_a_subset_run_replaces_the_api_section_too():
    committed = "# r\n\n- date: old\n\n## API\n\nold api\n\n## PDF\n\npdf\n"
    partial = "# r\n\n- date: new\n\n## API\n\nnew api\n"
    spliced = splice(committed, partial, note="api re-measured")
    assert "new api" in spliced and "old api" not in spliced and "## PDF\n\npdf" in spliced


def test_a_full_run_keeps_the_sections_written_by_hand_and_replaces_the_rest():
    committed = "# r\n\n- date: old\n\n## Pages\n\nold pages\n\n## Import\n\nby hand\n"
    rendered = "# r\n\n- date: new\n\n## Pages\n\nnew pages\n"
    kept = keep_written_by_hand(committed, rendered)
    assert kept == "# r\n\n- date: new\n\n## Pages\n\nnew pages\n\n## Import\n\nby hand\n"


API_RESULT = {
    "database_version": "SQLite 3.40.1",
    "section": "teams.capabilities",
    "rows_in_section": 300,
    "rounds": 60,
    "floor_median_ms": 2.0,
    "load_average": [3.0, 2.0, 1.0],
    "rows": [
        {"case": name, "model": "large", "floor": name == "floor", "queries": 4,
         "median_ms": 2.0 * ratio, "p95_ms": 3.0 * ratio, "ratio_median": ratio,
         "ratio_p95": ratio, "cpu_ms": 1.0}
        for name, ratio in (("floor", 1.0), ("api list (100 rows)", 5.0))
    ],
}  # fmt: skip


def test_the_api_table_is_compared_with_the_last_results():
    """The API table is read back as the last results and a rise of its ratio is flagged."""
    first = "\n".join(_api(API_RESULT))
    previous = previous_ratios(first)
    assert previous[("API on SQLite 3.40.1", "api list (100 rows)", "large")] == 5.0
    risen = {**API_RESULT, "rows": [{**r, "ratio_median": r["ratio_median"] * 1.5}
                                    for r in API_RESULT["rows"]]}  # fmt: skip
    table = "\n".join(_api(risen, previous))
    assert "| api list (100 rows) | large |" in table and "**+50 %**" in table
    assert "\n".join(_api(API_RESULT, previous)).count("**+") == 0


def test_the_large_pages_under_load_say_which_targets_they_miss():
    data = {
        "readers": 2,
        "target_median_ms": 100.0,
        "target_p95_ms": 250.0,
        "large_pages": [
            {"case": "L1 canvas", "n": 5, "p50_ms": 50.0, "p95_ms": 90.0, "p99_ms": 90.0},
            {"case": "room", "n": 4, "p50_ms": 300.0, "p95_ms": 500.0, "p99_ms": 500.0},
        ],
    }
    lines = _load_pages(data)
    assert "| L1 canvas | 5 | 50.0 | 90.0 | met |" in lines
    assert "| room | 4 | 300.0 | 500.0 | **missed** (median 3.0×, p95 2.0× over) |" in lines
    assert _load_pages({"large_pages": []}) == []


def test_a_subset_run_of_the_api_leaves_the_pages_and_versions_alone():
    """The report of a run that measured only the API has no (empty) Pages or Versions section
    to splice over the committed ones."""
    import argparse

    from bench.report import render

    partial = render(
        {"api-sqlite": API_RESULT}, quick=False, elapsed=1.0, args=argparse.Namespace(redis="")
    )
    committed = "# r\n\n- date: old\n\n## Pages\n\nold pages\n\n## Versions\n\nold v\n"
    spliced = splice(committed, partial, note="api re-measured")
    assert "old pages" in spliced and "old v" in spliced
    assert "| api list (100 rows) | large | 4 |" in spliced


def test_a_page_is_size_independent_when_the_large_model_costs_no_more_queries():
    """As tests/versions/test_queries.py asserts it: the large model's page may cost fewer
    queries than the demo's (its rows lie in fewer sections), never more."""
    from bench.report import _pages

    def row(case, model, queries, floor=False):
        return {"case": case, "model": model, "floor": floor, "queries": queries,
                "median_ms": 5.0, "p95_ms": 6.0, "ratio_median": 1.0, "ratio_p95": 1.0}  # fmt: skip

    data = {
        "database_version": "SQLite 3.40.1",
        "rounds": 3,
        "warmup": 1,
        "floor_median_ms": 1.0,
        "floor_p95_ms": 1.0,
        "target_median_ms": 100.0,
        "target_p95_ms": 250.0,
        "target_kib": 500.0,
        "rows": [
            row("fewer", "demo", 25),
            row("fewer", "large", 13),
            row("same", "demo", 6),
            row("same", "large", 6),
            row("more", "demo", 6),
            row("more", "large", 7),
        ],  # fmt: skip
    }
    lines = _pages("pages-sqlite", data)
    sizes = {
        line.split(" | ")[0][2:]: line.split(" | ")[7] for line in lines if "| large |" in line
    }
    assert sizes == {"fewer": "met", "same": "met", "more": "**missed**"}
