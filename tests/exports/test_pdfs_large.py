"""A large model's real PDFs, read back with poppler: the picture on a page is still one
landscape A3 page and says what it left out; the handbook grows with the model, lists who does
what for many squads, and is laid out in worker processes. Every PDF gets the checks of
tests/exports/pdfs.py.

Rendering is slow: every PDF here is rendered once per module, in a transaction rolled back
afterwards."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import transaction

from bench.largemodel import build_large_model
from opmodel.exports import render_pdf
from opmodel.services import release_publish
from tests.exports.conftest import Pdf, keep, need_poppler
from tests.exports.pdfs import (
    A3_LANDSCAPE,
    HANDBOOK_MARGINS,
    PICTURE_MARGINS,
    check_cuts,
    check_layout,
    check_layouts_taken,
    check_no_fragments,
    check_no_page_mostly_empty,
    check_pngs,
    counting_layouts,
    cpu,
    demo_with_two_releases,
    pdf_users,
    sources_html,
    words,
)

# Every test is marked for the database: pytest-django sets up the test database only when a
# selected test is, and ``rendered`` writes to it (so ``-k`` one test works too).
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker, tmp_path_factory) -> dict[str, Any]:
    """A large model's picture and handbook, and the demo's handbook to compare it with:
    rendered once, the database left as it was."""
    need_poppler()
    directory = tmp_path_factory.mktemp("pdfs-large")
    out: dict[str, Any] = {"layouts": {}}
    with django_db_blocker.unblock(), transaction.atomic():
        users = pdf_users()
        # The large model (60 squads: five pages of the matrix), but three journeys
        # rather than twenty: each is landscape pages of swim lanes, slow to lay out.
        large_model = build_large_model(
            actor=users["facilitator"],
            history_rows=0,
            counts={"journeys.journeys": 3, "journeys.stages": 18, "journeys.steps": 180},
        )
        large = large_model.operating_model
        out["large_rows"] = large_model.rows
        release = release_publish(operating_model=large, actor=users["facilitator"], title="Big")
        with counting_layouts(out["layouts"].setdefault("large_picture", [])):
            out["large_picture"] = keep(
                render_pdf(large, "picture", release=release), directory, "picture-large"
            )
        out["large_picture_html"] = sources_html(large, release, "picture")
        before = cpu()
        out["large_handbook"] = keep(
            render_pdf(large, "handbook", release=release), directory, "handbook-large"
        )
        out["large_handbook_cpu"] = [
            after - then for after, then in zip(cpu(), before, strict=True)
        ]
        out["large_handbook_html"] = sources_html(large, release, "handbook")
        # the demo's handbook (v2), as test_pdfs_demo.py renders it: what the large one outgrows
        demo = demo_with_two_releases(users)
        out["handbook"] = keep(
            render_pdf(demo["om"], "handbook", release=demo["v2"]), directory, "handbook-demo"
        )
        transaction.set_rollback(True)
    out["large_picture"].png("picture-large", dpi=60)
    # the large handbook's pages of who does what per capability (pdftotext ends pages with \f)
    roles = next(
        (
            i
            for i, page in enumerate(out["large_handbook"].text().split("\f"), start=1)
            if "Who does what" in page
        ),
        1,
    )
    out["large_handbook"].png("handbook-large-roles", first=roles, last=roles + 2, dpi=40)
    return out


def test_the_large_handbooks_parts_are_laid_out_in_worker_processes(rendered):
    own, children = rendered["large_handbook_cpu"]
    # the layout and writing (nearly all of the work) happen in forked workers; this process
    # shares out the parts and joins them
    assert children > 3 * own, (own, children)


def test_the_picture_of_a_large_model_is_still_one_page_and_says_what_it_left_out(rendered):
    pdf: Pdf = rendered["large_picture"]
    assert pdf.pages == 1 and pdf.info()["Page size"] == A3_LANDSCAPE
    text = words(pdf.text())
    assert "Benchmark everything" in text  # the mission
    assert re.search(r"\+\d+ more", text), "a condensed list says how much it left out"
    assert "Condensed to one page: the full lists are in the handbook." in text
    assert "Release v1" in text
    assert rendered["large_rows"]["teams.squads"] == 60


def test_the_handbook_grows_with_the_model_and_lists_who_does_what_for_many_squads(rendered):
    small, large = rendered["handbook"], rendered["large_handbook"]
    assert large.pages > small.pages + 20
    text = words(large.text())
    # 60 squads: per capability, who is accountable, responsible, consulted, informed
    assert "Who does what for each capability" in text
    assert "Capability 119" in text and "Capability 299" in text  # every capability, none cut
    # up to 12 squads: the matrix, its columns numbered with a key (no names in fragments)
    small_text = words(small.text())
    assert "The columns are the squads, numbered in the key above the table" in small_text
    assert "Per-sonal" not in small_text and "Personalisation ML" in small_text


def test_the_picture_says_what_it_cut_and_where_the_rest_is(rendered):
    text = words(rendered["large_picture"].text())
    assert re.search(r"\+\d+ more stages", text)
    assert "more in the handbook" in text
    assert "Condensed to one page: the full lists are in the handbook." in text


# ---------- the checks every PDF gets (tests/exports/pdfs.py) ----------


@pytest.mark.parametrize(
    ("name", "margins"),
    [("large_picture", PICTURE_MARGINS), ("large_handbook", HANDBOOK_MARGINS)],
)
def test_no_words_collide_run_off_the_page_or_are_set_under_7_pt(rendered, name, margins):
    check_layout(rendered[name], margins)


def test_the_picture_cuts_a_list_only_when_its_column_is_full(rendered):
    check_cuts(rendered["large_picture"])


def test_the_picture_takes_one_layout_or_two(rendered):
    check_layouts_taken(rendered["layouts"]["large_picture"])


def test_the_pngs_to_look_at_are_written(rendered):
    check_pngs(["picture-large-1.png"])


def test_no_handbook_page_is_left_mostly_empty(rendered):
    check_no_page_mostly_empty(rendered["large_handbook"])


@pytest.mark.parametrize("name", ["large_picture", "large_handbook"])
def test_no_word_is_broken_into_fragments(rendered, name):
    check_no_fragments(rendered[name], rendered[f"{name}_html"])
