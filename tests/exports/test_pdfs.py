"""Real PDFs, read back with poppler: the picture on a page is one landscape A3 page for the
demo and for a large model, says what it condensed, and shows the release (not the draft);
the handbook's contents point at the right pages and it grows with the model; rich text is
sanitised; WeasyPrint fetches nothing but the app's static files.

Rendering is slow: every PDF here is rendered once per module, in a transaction rolled back
afterwards."""

from __future__ import annotations

import re
import resource
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from django.db import transaction

from bench.largemodel import build_large_model
from canvas.models import Principle, Purpose
from opmodel.exports import html_to_pdf, pdfs, render_pdf
from opmodel.exports.pdfs import handbook_html, picture_html
from opmodel.exports.sources import DENSITIES, pdf_source
from opmodel.exports.weasy import static_roots
from opmodel.registry import registry
from opmodel.services import part_update, release_publish
from tests.conftest import add_members, build_model
from tests.exports.conftest import (
    ARTIFACTS,
    Pdf,
    cut_too_soon,
    fragments,
    keep,
    layout_problems,
    mostly_empty_pages,
    need_poppler,
    tags_of,
)
from tests.workshops.conftest import make_workshop

A3_LANDSCAPE = "1190.55 x 841.89 pts (A3)"

# The module renders its PDFs once (``rendered``): scripts/test keeps a module on one worker.
# Every test is marked for the database: pytest-django sets up the test database only when a
# selected test is, and ``rendered`` writes to it (so ``-k`` one test works too).
pytestmark = [pytest.mark.xdist_group("pdfs"), pytest.mark.django_db]


def _set_mission(om, actor, text: str) -> None:
    purpose = Purpose.objects.get(operating_model=om)
    part_update(
        section=registry.get("canvas.purpose"),
        part=purpose,
        revision=purpose.revision,
        actor=actor,
        data={"mission": text},
    )


def _long_names(om) -> None:
    """Every named row of every section gets a long name: every other one a 64-character word
    without a space, the others a long phrase."""
    for section in registry.sections():
        model = section.model
        if not any(f.name == "name" for f in model._meta.fields):
            continue
        for i, row in enumerate(model.objects.filter(operating_model=om).order_by("pk")):
            if i % 2 == 0:
                name = f"{section.key.split('.')[-1].capitalize()}{i}" + "Unbroken" * 8
            else:
                name = f"A rather long name for {section.title.lower()} number {i} of this model"
            model.objects.filter(pk=row.pk).update(name=name[:120])


@contextmanager
def counting_layouts(out: list[int]) -> Iterator[None]:
    """Count the layouts of the picture (each costs a few tenths of a second of CPU): appends
    how many the render took."""
    original = pdfs.layout
    calls = []

    def counted(html: str, fetches: Any = None) -> Any:
        calls.append(1)
        return original(html, fetches)

    pdfs.layout = counted
    try:
        yield
    finally:
        pdfs.layout = original
        out.append(len(calls))


def _sources_html(om, release, kind: str) -> str:
    """What a PDF was made from, as HTML: the handbook's, or the picture's at every density
    (the layout picks one)."""
    if kind == "handbook":
        # and the cover's page count, known once the parts are laid out ("18 pages")
        return handbook_html(pdf_source(om, release, with_diff=True)) + " pages"
    source = pdf_source(om, release)
    return " ".join(picture_html(source.at(density)) for density in DENSITIES)


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker, tmp_path_factory) -> dict[str, Any]:
    """The demo's release pictures and handbook, a large model's picture and handbook, and a
    workshop summary: rendered once, the database left as it was."""
    need_poppler()
    directory = tmp_path_factory.mktemp("pdfs")
    out: dict[str, Any] = {}
    from django.contrib.auth import get_user_model

    with django_db_blocker.unblock(), transaction.atomic():
        users = {
            name: get_user_model().objects.create_user(username=f"pdf-{name}", password="pw")
            for name in ["facilitator", "editor", "participant", "viewer", "outsider"]
        }
        om = add_members(build_model(users["facilitator"]), users)
        out["mission"] = Purpose.objects.get(operating_model=om).mission
        out["vision"] = Purpose.objects.get(operating_model=om).vision
        out["principles"] = list(
            Principle.objects.filter(operating_model=om).values_list("name", flat=True)
        )
        v1 = release_publish(operating_model=om, actor=users["facilitator"], title="First cut")
        _set_mission(om, users["facilitator"], "Quokkas everywhere, measured")
        v2 = release_publish(
            operating_model=om,
            actor=users["facilitator"],
            title="Sharper mission",
            notes="We **sharpened** the mission after the first workshop.",
        )
        _set_mission(om, users["facilitator"], "A draft mission nobody released")
        out["layouts"] = {}
        with counting_layouts(out["layouts"].setdefault("picture", [])):
            out["picture"] = keep(
                render_pdf(om, "picture", release=v1), directory, "picture-demo-v1"
            )
        out["picture_html"] = _sources_html(om, v1, "picture")
        out["handbook_progress"] = []
        out["handbook"] = keep(
            render_pdf(om, "handbook", release=v2, progress=out["handbook_progress"].append),
            directory,
            "handbook-demo-v2",
        )
        out["handbook_html"] = _sources_html(om, v2, "handbook")
        # the same handbook laid out in this process, part after part (no worker processes)
        out["handbook_one_process"] = keep(
            pdfs.handbook_pdf(pdf_source(om, v2, with_diff=True), processes=1),
            directory,
            "handbook-demo-v2-one-process",
        )
        workshop = make_workshop(om, users["facilitator"], title="Mesh kick-off")
        out["workshop"] = keep(
            render_pdf(om, "workshop", subject_id=workshop.pk), directory, "workshop-summary"
        )

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
        out["large_picture_html"] = _sources_html(large, release, "picture")
        before = _cpu()
        out["large_handbook"] = keep(
            render_pdf(large, "handbook", release=release), directory, "handbook-large"
        )
        out["large_handbook_cpu"] = [
            after - then for after, then in zip(_cpu(), before, strict=True)
        ]
        out["large_handbook_html"] = _sources_html(large, release, "handbook")
        # Names as long as a model allows in places: 60+ characters without a space, and long
        # phrases: nothing may run out of its box or off the page.
        long_model = build_model(users["facilitator"])
        _long_names(long_model)
        release = release_publish(
            operating_model=long_model, actor=users["facilitator"], title="Long"
        )
        with counting_layouts(out["layouts"].setdefault("long_picture", [])):
            out["long_picture"] = keep(
                render_pdf(long_model, "picture", release=release),
                directory,
                "picture-long-names",
            )
        out["long_picture_html"] = _sources_html(long_model, release, "picture")
        out["long_handbook"] = keep(
            render_pdf(long_model, "handbook", release=release), directory, "handbook-long-names"
        )
        out["long_handbook_html"] = _sources_html(long_model, release, "handbook")
        transaction.set_rollback(True)
    out["long_picture"].png("picture-long-names", dpi=60)
    out["long_handbook"].png("handbook-long-names", first=3, last=6, dpi=40)
    out["picture"].png("picture-demo-v1", dpi=60)
    out["large_picture"].png("picture-large", dpi=60)
    out["handbook"].png("handbook-demo-v2", first=1, last=out["handbook"].pages, dpi=40)
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
    out["workshop"].png("workshop-summary", dpi=50)
    return out


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process, and of its children that have ended."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _outline(path: Path) -> list[tuple[str, int]]:
    """The PDF's bookmarks: title and page (from 0)."""
    with pikepdf.open(path) as pdf, pdf.open_outline() as outline:
        pages = {page.objgen: i for i, page in enumerate(pdf.pages)}
        return [(item.title, pages[item.destination[0].objgen]) for item in outline.root]


def test_the_handbook_made_by_two_worker_processes_is_the_one_made_by_one(rendered):
    # the parts are laid out at once, before the pages of the parts before them are known:
    # the page numbers, running heads, contents and outline must come out the same
    two, one = rendered["handbook"], rendered["handbook_one_process"]
    assert two.pages == one.pages
    assert two.text().split("\f") == one.text().split("\f")
    assert _outline(two.path) == _outline(one.path)
    assert len(_outline(two.path)) == 5


def test_the_large_handbooks_parts_are_laid_out_in_worker_processes(rendered):
    own, children = rendered["large_handbook_cpu"]
    # the layout and writing (nearly all of the work) happen in forked workers; this process
    # shares out the parts and joins them
    assert children > 3 * own, (own, children)


def _words(text: str) -> str:
    """pdftotext breaks lines (and -layout adds spaces): compare on single spaces."""
    return re.sub(r"\s+", " ", text)


def test_the_picture_is_one_landscape_a3_page_with_the_canvas_and_the_release(rendered):
    pdf: Pdf = rendered["picture"]
    assert pdf.pages == 1
    assert pdf.info()["Pages"] == "1"
    assert pdf.info()["Page size"] == A3_LANDSCAPE
    text = _words(pdf.text())
    assert _words(rendered["mission"]) in text
    assert _words(rendered["vision"]) in text
    for name in rendered["principles"]:
        assert _words(name) in text, name
    assert "Release v1" in text and "First cut" in text
    assert "Quokka Inc" in text  # the organisation, in the header
    assert any(label in text for label in ("Healthy", "Needs attention", "At risk"))
    assert "Stream-aligned" in text and "Consumption" in text  # squads by type and mode


def test_a_release_picture_shows_the_release_not_todays_draft(rendered):
    text = _words(rendered["picture"].text())
    assert "Quokkas everywhere" not in text
    assert "nobody released" not in text


def test_the_picture_of_a_large_model_is_still_one_page_and_says_what_it_left_out(rendered):
    pdf: Pdf = rendered["large_picture"]
    assert pdf.pages == 1 and pdf.info()["Page size"] == A3_LANDSCAPE
    text = _words(pdf.text())
    assert "Benchmark everything" in text  # the mission
    assert re.search(r"\+\d+ more", text), "a condensed list says how much it left out"
    assert "Condensed to one page: the full lists are in the handbook." in text
    assert "Release v1" in text
    assert rendered["large_rows"]["teams.squads"] == 60


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
        assert chapter in _words(text), (title, page)
        assert re.search(rf"\bPage {page}\b", text), (title, page)
        # and the chapter had not started on the page before (the contents page lists it)
        if page - 1 > 2:
            assert chapter not in _words(pdf.text(page=page - 1)), (title, page)


def test_the_handbook_has_the_release_notes_and_the_changes_since_the_previous_release(rendered):
    pdf: Pdf = rendered["handbook"]
    text = _words(pdf.text())
    assert "v2 · Sharper mission" in text
    assert "We sharpened the mission after the first workshop." in text
    assert "Changes since v1 · First cut" in text
    assert "Quokkas everywhere, measured" in text  # the new mission, in the diff and chapter
    assert "nobody released" not in text
    assert "Operating model handbook" in pdf.text(page=1)


def test_the_handbook_grows_with_the_model_and_lists_who_does_what_for_many_squads(rendered):
    small, large = rendered["handbook"], rendered["large_handbook"]
    assert large.pages > small.pages + 20
    text = _words(large.text())
    # 60 squads: per capability, who is accountable, responsible, consulted, informed
    assert "Who does what for each capability" in text
    assert "Capability 119" in text and "Capability 299" in text  # every capability, none cut
    # up to 12 squads: the matrix, its columns numbered with a key (no names in fragments)
    small_text = _words(small.text())
    assert "The columns are the squads, numbered in the key above the table" in small_text
    assert "Per-sonal" not in small_text and "Personalisation ML" in small_text


def test_the_progress_of_a_handbook_moves_with_its_parts(rendered):
    steps = rendered["handbook_progress"]
    # the source, then one step per part laid out (three levels, health, release notes), then
    # the file: never backwards, never stuck at one value while the parts are laid out
    assert steps == sorted(steps) and len(set(steps)) >= 7, steps
    assert steps[0] <= 20 and steps[-1] >= 90


def test_the_workshop_summary_pdf_lists_the_workshop(rendered):
    text = _words(rendered["workshop"].text())
    assert "Mesh kick-off" in text
    assert "Attendees" in text and "Decisions" in text and "Changes to the draft" in text


# ---------- layout, by machine: no collisions, nothing off the page, no tiny type ----------

# Where words may go, in mm from the paper's edges: the picture's margins (its footer sits in
# the bottom margin, 4 mm clear of the edge) and the handbook's (running heads in the margins).
PICTURE_MARGINS = {"sides": 13, "top": 11, "bottom": 4}
HANDBOOK_MARGINS = {"sides": 14, "top": 6, "bottom": 6}


@pytest.mark.parametrize(
    ("name", "margins"),
    [
        ("picture", PICTURE_MARGINS),
        ("large_picture", PICTURE_MARGINS),
        ("long_picture", PICTURE_MARGINS),
        ("handbook", HANDBOOK_MARGINS),
        ("large_handbook", HANDBOOK_MARGINS),
        ("long_handbook", HANDBOOK_MARGINS),
    ],
)
def test_no_words_collide_run_off_the_page_or_are_set_under_7_pt(rendered, name, margins):
    pdf: Pdf = rendered[name]
    problems = layout_problems(pdf.path, **margins)
    assert len(problems["words"]) > 300, "the check needs words to look at"
    assert problems["overlapping"] == [], problems["overlapping"][:5]
    assert problems["outside the margins"] == [], problems["outside the margins"][:5]
    assert problems["under 7 pt"] == [], problems["under 7 pt"][:5]


def test_long_unbroken_names_stay_on_the_picture(rendered):
    pdf: Pdf = rendered["long_picture"]
    assert pdf.pages == 1 and pdf.info()["Page size"] == A3_LANDSCAPE
    text = _words(pdf.text())
    assert "Unbroken" in text and "A rather long name for" in text


def test_the_picture_says_what_it_cut_and_where_the_rest_is(rendered):
    text = _words(rendered["large_picture"].text())
    assert re.search(r"\+\d+ more stages", text)
    assert "more in the handbook" in text
    assert "Condensed to one page: the full lists are in the handbook." in text


@pytest.mark.parametrize("name", ["picture", "large_picture", "long_picture"])
def test_the_picture_cuts_a_list_only_when_its_column_is_full(rendered, name):
    """Nothing is cut while space is left (issue 16): a list that ends in "+N more" stands in
    a column (the main area, the side column) with at most ``CUT_ROOM_MM`` free under it."""
    assert cut_too_soon(rendered[name].path) == []


def test_the_check_sees_a_list_cut_with_room_left_under_it(tmp_path):
    """The check above, on a page made to fail it: a main area that says "+3 more" at the
    top of an otherwise empty A3 page, and a side column that cuts nothing."""
    need_poppler()
    html = (
        '<html lang="en-GB"><head><style>@page { size: A3 landscape; margin: 11mm 13mm }'
        '</style></head><body><div style="display: flex; gap: 40mm">'
        '<p style="width: 220mm">Principles: Lean, Agile +3 more in the handbook</p>'
        '<p style="width: 90mm">Squads: all of them, nothing cut</p></div></body></html>'
    )
    path = tmp_path / "cut.pdf"
    path.write_bytes(html_to_pdf(html).pdf)
    [(column, what, room)] = cut_too_soon(path)
    assert (column, what) == ("main", "+3 more") and room > 200, room


@pytest.mark.parametrize("name", ["picture", "large_picture", "long_picture"])
def test_the_picture_takes_one_layout_or_two(rendered, name):
    """A layout of the picture costs a few tenths of a second of CPU (the demo's took three,
    issue 16): the density is predicted from its HTML, and a layout confirms it."""
    assert rendered["layouts"][name] in ([1], [2]), rendered["layouts"][name]


def test_the_density_prediction_knows_the_stylesheets_type():
    """``DENSITY_TYPE`` (what the prediction assumes) is what static/css/pdf.css sets."""
    from django.contrib.staticfiles import finders

    css = Path(str(finders.find("css/pdf.css"))).read_text(encoding="utf-8")
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", css)

    def declared(selector: str, prop: str) -> str | None:
        found = None
        for selectors, body in rules:
            if selector in [s.strip() for s in selectors.split(",")]:
                value = re.search(rf"(?:^|;)\s*{prop}:\s*([^;]+)", body)
                found = value.group(1).strip() if value else found
        return found

    base_size, base_line = (
        declared(".picture .poster", "font-size"),
        declared(".picture .poster", "line-height"),
    )
    for level in range(len(DENSITIES)):
        selector = f".picture.density-{level} .poster"
        size = declared(selector, "font-size") or base_size
        line = declared(selector, "line-height") or base_line
        assert (float(str(size).removesuffix("pt")), float(str(line))) == pdfs.DENSITY_TYPE.get(
            level, pdfs.TIGHTEST_TYPE
        ), level


def test_the_pngs_to_look_at_are_written(rendered):
    for name in [
        "picture-demo-v1-1.png",
        "picture-large-1.png",
        "picture-long-names-1.png",
        "workshop-summary-1.png",
    ]:
        assert (ARTIFACTS / name).stat().st_size > 10_000, name


# ---------- safety: sanitised rich text, no fetches ----------


def test_rich_text_and_names_cannot_inject_markup_or_make_the_renderer_fetch(people):
    need_poppler()
    om = build_model(people["facilitator"], starter="small")
    purpose = Purpose.objects.get(operating_model=om)
    part_update(
        section=registry.get("canvas.purpose"),
        part=purpose,
        revision=purpose.revision,
        actor=people["facilitator"],
        data={
            "overview": (
                '<img src="http://127.0.0.1:9/track.png" onerror="alert(1)"> '
                '<script>alert("x")</script> [click](javascript:alert(1)) '
                '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css">'
            ),
            "mission": "<b onmouseover=alert(1)>Mission</b>",
        },
    )
    html = handbook_html(pdf_source(om, None, with_diff=True))
    assert "<script>alert" not in html and "onerror" not in html
    # a javascript: link is text at most (never a link), and nothing points at the network
    assert 'href="javascript:' not in html and '="http://127.0.0.1:9' not in html
    assert "&lt;b onmouseover=alert(1)&gt;Mission&lt;/b&gt;" in html  # plain text, escaped
    rendered = render_pdf(om, "handbook")
    assert rendered.fetches.refused == []
    assert all(url.startswith("file://") for url in rendered.fetches.served)


def test_the_renderer_refuses_the_network_and_files_outside_static():
    html = (
        '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css">'
        '<img src="https://example.com/x.png"><img src="file:///etc/hostname">'
        "<p>hello</p>"
    )
    rendered = html_to_pdf(html)
    assert rendered.pages == 1
    assert sorted(rendered.fetches.refused) == sorted(
        ["http://127.0.0.1:9/evil.css", "https://example.com/x.png", "file:///etc/hostname"]
    )
    # only the app's own fonts, if this render was the first to load the stylesheet
    static = [root.as_uri() for root in static_roots()]
    assert all(url.startswith(tuple(static)) for url in rendered.fetches.served)


# ---------- tagged PDFs (issue 20): language, title, headings, tables, the map's text ----------


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("picture", "Quokka · picture on a page · Release v1"),
        ("long_picture", "Quokka · picture on a page · Release v1"),
        ("handbook", "Quokka · handbook · Release v2"),
        ("long_handbook", "Quokka · handbook · Release v1"),
        ("workshop", "Mesh kick-off"),
    ],
)
def test_every_pdf_is_tagged_with_its_language_title_and_a_structure_a_reader_can_follow(
    rendered, name, title
):
    tags = tags_of(rendered[name].path)
    assert tags.marked, "MarkInfo /Marked true"
    assert tags.lang == "en-GB"
    assert title in tags.title and tags.display_title
    assert tags.kinds.get("H1", 0) >= 1 and tags.kinds.get("H2", 0) >= 1, tags.kinds
    # every page's marked content is tied into the one tree (the handbook is joined from parts)
    assert tags.problems == [], tags.problems[:5]
    assert all(alt.strip() for alt in tags.figures_alt), tags.figures_alt


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


# ---------- pages used, words whole ----------


@pytest.mark.parametrize("name", ["handbook", "long_handbook", "large_handbook"])
def test_no_handbook_page_is_left_mostly_empty(rendered, name):
    pdf: Pdf = rendered[name]
    assert mostly_empty_pages(pdf.path) == []


@pytest.mark.parametrize(
    "name",
    ["picture", "large_picture", "long_picture", "handbook", "large_handbook", "long_handbook"],
)
def test_no_word_is_broken_into_fragments(rendered, name):
    pdf: Pdf = rendered[name]
    found = fragments(pdf.path, rendered[f"{name}_html"])
    assert found == [], [(w.page, w.text) for w in found[:10]]


def test_the_check_sees_a_mostly_empty_page_before_a_landscape_page(tmp_path):
    """A page of another orientation starts a page: the page before it, two lines of text,
    is mostly empty (the demo handbook's page 11 before the map was)."""
    need_poppler()
    html = (
        '<html lang="en-GB"><head><style>@page wide { size: A4 landscape; margin: 18mm 15mm 16mm }'
        '</style></head><body class="handbook"><p>First page, one of three.</p>'
        '<p style="break-before: page">Two short lines.</p><p>Second.</p>'
        '<div style="page: wide"><p>A landscape page.</p></div></body></html>'
    )
    path = tmp_path / "turn.pdf"
    path.write_bytes(html_to_pdf(html).pdf)
    assert [number for number, _fill in mostly_empty_pages(path, front_matter=0)] == [2]


def test_the_checks_see_a_mostly_empty_page_and_a_word_broken_in_two(tmp_path):
    """The two checks above, on a PDF made to fail them: a chapter's page break after two
    lines, and a word broken in a column too narrow for it. (The second page is mostly empty
    too, but what follows it is no chapter: a block too big for the rest of a page.)"""
    need_poppler()
    html = (
        '<html lang="en-GB"><body class="handbook"><p>Three short lines.</p><p>Two.</p>'
        '<h1 class="chapter-title" style="break-before: page">Second chapter</h1>'
        "<p>Sustainability, the second page.</p>"
        '<p style="break-before: page; width: 9mm; overflow-wrap: anywhere">Sustainability</p>'
        "</body></html>"
    )
    path = tmp_path / "bad.pdf"
    path.write_bytes(html_to_pdf(html).pdf)
    assert [number for number, _fill in mostly_empty_pages(path, front_matter=0)] == [1]
    assert [w.text for w in fragments(path, html)] != []


def test_a_page_left_mostly_empty_before_a_turn_takes_the_last_rows_of_the_page_before(tmp_path):
    """A table's last rows alone at the top of a portrait page before a landscape page (the
    long names' matrix before the map): the page before gives some of its rows, and both
    pages end at least half way down (``pdfs.balance``); no row is lost."""
    need_poppler()
    from opmodel.exports.weasy import layout, layout_again

    rows = "".join(f"<tr><td>Row {i}</td><td>of a table that runs on</td></tr>" for i in range(70))
    html = (
        '<html lang="en-GB"><body class="handbook"><section class="chapter" data-title="T">'
        '<h1 class="chapter-title">A table</h1><table class="data"><thead><tr><th>Row</th>'
        f"<th>What</th></tr></thead><tbody>{rows}</tbody></table>"
        '<div class="full-map-page"><p>A landscape page.</p></div></section></body></html>'
    )
    document = layout(html)
    assert pdfs.short_pages(document, last_part=True) == [2]
    (tmp_path / "before.pdf").write_bytes(document.write_pdf())
    assert [n for n, _fill in mostly_empty_pages(tmp_path / "before.pdf", front_matter=0)] == [3]

    assert pdfs.balance(document, [2])
    document = layout_again(document)
    path = tmp_path / "after.pdf"
    path.write_bytes(document.write_pdf())
    assert pdfs.short_pages(document, last_part=True) == []
    assert mostly_empty_pages(path, front_matter=0) == []
    assert len(document.pages) == 4
    text = _words(Pdf(path, 4).text())
    assert all(f"Row {i} of a table" in text for i in range(70))
