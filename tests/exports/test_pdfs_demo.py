"""The demo's real PDFs, read back with poppler: the picture on a page is one landscape A3 page
that shows the release (not the draft); the handbook's contents point at the right pages, it has
the release notes and the changes, and two worker processes make the handbook one process makes;
the workshop summary lists its workshop. Every PDF gets the checks of tests/exports/pdfs.py.

Rendering is slow: every PDF here is rendered once per module, in a transaction rolled back
afterwards."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from django.db import transaction

from opmodel.exports import pdfs, render_pdf
from opmodel.exports.sources import pdf_source
from tests.exports.conftest import Pdf, keep, need_poppler, tags_of
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
    check_tagged,
    counting_layouts,
    cpu,
    demo_with_two_releases,
    pdf_users,
    sources_html,
    words,
)
from tests.workshops.conftest import make_workshop

# Every test is marked for the database: pytest-django sets up the test database only when a
# selected test is, and ``rendered`` writes to it (so ``-k`` one test works too).
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker, tmp_path_factory) -> dict[str, Any]:
    """The demo's release picture (v1) and handbook (v2), the same handbook laid out by two
    worker processes, and a workshop summary: rendered once, the database left as it was."""
    need_poppler()
    directory = tmp_path_factory.mktemp("pdfs-demo")
    out: dict[str, Any] = {}
    with django_db_blocker.unblock(), transaction.atomic():
        users = pdf_users()
        demo = demo_with_two_releases(users)
        om, v1, v2 = demo["om"], demo["v1"], demo["v2"]
        out.update({k: demo[k] for k in ("mission", "vision", "principles")})
        out["layouts"] = {}
        with counting_layouts(out["layouts"].setdefault("picture", [])):
            out["picture"] = keep(
                render_pdf(om, "picture", release=v1), directory, "picture-demo-v1"
            )
        out["picture_html"] = sources_html(om, v1, "picture")
        out["handbook_progress"] = []
        before = cpu()
        out["handbook"] = keep(
            render_pdf(om, "handbook", release=v2, progress=out["handbook_progress"].append),
            directory,
            "handbook-demo-v2",
        )
        out["handbook_cpu"] = [after - then for after, then in zip(cpu(), before, strict=True)]
        out["handbook_html"] = sources_html(om, v2, "handbook")
        # The demo's handbook is small: laid out in this process, part after part (no worker
        # processes). The same handbook laid out by two worker processes, as a large one is:
        # its first chapter runs on (a part laid out on speculation is thrown away).
        out["handbook_two_workers"] = keep(
            pdfs.handbook_pdf(pdf_source(om, v2, with_diff=True), processes=2),
            directory,
            "handbook-demo-v2-two-workers",
        )
        workshop = make_workshop(om, users["facilitator"], title="Mesh kick-off")
        out["workshop"] = keep(
            render_pdf(om, "workshop", subject_id=workshop.pk), directory, "workshop-summary"
        )
        transaction.set_rollback(True)
    out["picture"].png("picture-demo-v1", dpi=60)
    out["handbook"].png("handbook-demo-v2", first=1, last=out["handbook"].pages, dpi=40)
    out["workshop"].png("workshop-summary", dpi=50)
    return out


def _outline(path: Path) -> list[tuple[str, int]]:
    """The PDF's bookmarks: title and page (from 0)."""
    with pikepdf.open(path) as pdf, pdf.open_outline() as outline:
        pages = {page.objgen: i for i, page in enumerate(pdf.pages)}
        return [(item.title, pages[item.destination[0].objgen]) for item in outline.root]


def test_the_handbook_made_by_two_worker_processes_is_the_one_made_by_one(rendered):
    # the parts are laid out at once, before the pages of the parts before them are known:
    # the page numbers, running heads, contents and outline must come out the same
    two, one = rendered["handbook_two_workers"], rendered["handbook"]
    assert two.pages == one.pages
    assert two.text().split("\f") == one.text().split("\f")
    assert _outline(two.path) == _outline(one.path)
    assert len(_outline(two.path)) == 5


def test_a_small_handbook_is_laid_out_in_this_process(rendered):
    # workers cost a handbook of the demo's size more CPU than they save (parts laid out on
    # speculation, thrown away when the part before runs on; fonts set up per worker): no
    # worker is forked for it (a large one's are: test_pdfs_large)
    own, children = rendered["handbook_cpu"]
    assert children == 0 and own > 0, (own, children)


def test_the_picture_is_one_landscape_a3_page_with_the_canvas_and_the_release(rendered):
    pdf: Pdf = rendered["picture"]
    assert pdf.pages == 1
    assert pdf.info()["Pages"] == "1"
    assert pdf.info()["Page size"] == A3_LANDSCAPE
    text = words(pdf.text())
    assert words(rendered["mission"]) in text
    assert words(rendered["vision"]) in text
    for name in rendered["principles"]:
        assert words(name) in text, name
    assert "Release v1" in text and "First cut" in text
    assert "Quokka Inc" in text  # the organisation, in the header
    assert any(label in text for label in ("Healthy", "Needs attention", "At risk"))
    assert "Stream-aligned" in text and "Consumption" in text  # squads by type and mode


def test_a_release_picture_shows_the_release_not_todays_draft(rendered):
    text = words(rendered["picture"].text())
    assert "Quokkas everywhere" not in text
    assert "nobody released" not in text


def _toc(pdf: Pdf) -> list[tuple[str, int]]:
    entries = []
    for line in pdf.text(page=2).splitlines():
        match = re.match(r"\s*(.+?)\s*\.{3,}\s*(\d+)\s*$", line)
        if match:
            entries.append((match.group(1).strip(), int(match.group(2))))
    return entries


def test_the_handbook_contents_point_at_the_pages_where_the_chapters_start(rendered):
    pdf: Pdf = rendered["handbook"]
    toc = _toc(pdf)
    titles = [title for title, _ in toc]
    assert titles == [
        "Level 1 · Operating canvas",
        "Level 2 · Teams & interactions",
        "Level 3 · Team journeys",
        "Health findings",
        "Release notes and changes",
    ]
    pages = [page for _, page in toc]
    assert pages == sorted(pages) and pages[0] == 3 and pages[-1] <= pdf.pages
    for title, page in toc:
        chapter = title.split(" · ", 1)[-1]
        text = pdf.text(page=page)
        # the chapter's heading is on that page, and the running head names it
        assert chapter in words(text), (title, page)
        assert re.search(rf"\bPage {page}\b", text), (title, page)
        # and the chapter had not started on the page before (the contents page lists it)
        if page - 1 > 2:
            assert chapter not in words(pdf.text(page=page - 1)), (title, page)


def test_the_handbook_has_the_release_notes_and_the_changes_since_the_previous_release(rendered):
    pdf: Pdf = rendered["handbook"]
    text = words(pdf.text())
    assert "v2 · Sharper mission" in text
    assert "We sharpened the mission after the first workshop." in text
    assert "Changes since v1 · First cut" in text
    assert "Quokkas everywhere, measured" in text  # the new mission, in the diff and chapter
    assert "nobody released" not in text
    assert "Operating model handbook" in pdf.text(page=1)


def test_the_progress_of_a_handbook_moves_with_its_parts(rendered):
    steps = rendered["handbook_progress"]
    # the source, then one step per part laid out (three levels, health, release notes), then
    # the file: never backwards, never stuck at one value while the parts are laid out
    assert steps == sorted(steps) and len(set(steps)) >= 7, steps
    assert steps[0] <= 20 and steps[-1] >= 90


def test_the_workshop_summary_pdf_lists_the_workshop(rendered):
    text = words(rendered["workshop"].text())
    assert "Mesh kick-off" in text
    assert "Attendees" in text and "Decisions" in text and "Changes to the draft" in text


def test_the_handbook_has_its_chapters_as_headings_tables_as_tables_and_the_map_described(
    rendered,
):
    tags = tags_of(rendered["handbook"].path)
    # the cover's name, the contents and five chapters at least; sections and their parts
    assert tags.kinds["H1"] >= 7 and tags.kinds["H2"] >= 8 and tags.kinds["H3"] >= 3, tags.kinds
    assert tags.kinds["Table"] >= 5 and tags.kinds["TH"] >= 10 and tags.kinds["TD"] >= 50
    assert tags.kinds.get("L", 0) >= 1
    # the interaction map is a figure whose text says what it shows and where its twin is
    [alt] = [a for a in tags.figures_alt if "interaction map" in a.lower()]
    assert re.search(r"\d+ squads", alt) and re.search(r"\d+ interactions", alt), alt
    assert "table" in alt.lower(), alt


# ---------- the checks every PDF gets (tests/exports/pdfs.py) ----------


@pytest.mark.parametrize(
    ("name", "margins"), [("picture", PICTURE_MARGINS), ("handbook", HANDBOOK_MARGINS)]
)
def test_no_words_collide_run_off_the_page_or_are_set_under_7_pt(rendered, name, margins):
    check_layout(rendered[name], margins)


def test_the_picture_cuts_a_list_only_when_its_column_is_full(rendered):
    check_cuts(rendered["picture"])


def test_the_picture_takes_one_layout_or_two(rendered):
    check_layouts_taken(rendered["layouts"]["picture"])


def test_the_pngs_to_look_at_are_written(rendered):
    check_pngs(["picture-demo-v1-1.png", "workshop-summary-1.png"])


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("picture", "Quokka · picture on a page · Release v1"),
        ("handbook", "Quokka · handbook · Release v2"),
        ("workshop", "Mesh kick-off"),
    ],
)
def test_every_pdf_is_tagged_with_its_language_title_and_a_structure_a_reader_can_follow(
    rendered, name, title
):
    check_tagged(rendered[name], title)


def test_no_handbook_page_is_left_mostly_empty(rendered):
    check_no_page_mostly_empty(rendered["handbook"])


@pytest.mark.parametrize("name", ["picture", "handbook"])
def test_no_word_is_broken_into_fragments(rendered, name):
    check_no_fragments(rendered[name], rendered[f"{name}_html"])
