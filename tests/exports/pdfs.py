"""The models whose PDFs tests/exports/test_pdfs_*.py render, and the checks every PDF gets.

Each of those modules renders its model's PDFs once (a module-scoped fixture, in a transaction
rolled back afterwards) and runs the checks below on them: the demo (test_pdfs_demo.py), a
large model (test_pdfs_large.py) and names as long as a model allows (test_pdfs_long_names.py).
One module a model, so that pytest-xdist (``--dist loadfile``) lays them out side by side."""

from __future__ import annotations

import re
import resource
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model

from canvas.models import Principle, Purpose
from opmodel.exports import pdfs
from opmodel.exports.pdfs import handbook_html, picture_html
from opmodel.exports.sources import DENSITIES, pdf_source
from opmodel.registry import registry
from opmodel.services import part_update, release_publish
from tests.conftest import add_members, build_model
from tests.exports.conftest import (
    ARTIFACTS,
    Pdf,
    cut_too_soon,
    fragments,
    layout_problems,
    mostly_empty_pages,
    tags_of,
)

A3_LANDSCAPE = "1190.55 x 841.89 pts (A3)"

# Where words may go, in mm from the paper's edges: the picture's margins (its footer sits in
# the bottom margin, 4 mm clear of the edge) and the handbook's (running heads in the margins).
PICTURE_MARGINS = {"sides": 13, "top": 11, "bottom": 4}
HANDBOOK_MARGINS = {"sides": 14, "top": 6, "bottom": 6}


def pdf_users() -> dict[str, Any]:
    return {
        name: get_user_model().objects.create_user(username=f"pdf-{name}", password="pw")
        for name in ["facilitator", "editor", "participant", "viewer", "outsider"]
    }


def set_mission(om, actor, text: str) -> None:
    purpose = Purpose.objects.get(operating_model=om)
    part_update(
        section=registry.get("canvas.purpose"),
        part=purpose,
        revision=purpose.revision,
        actor=actor,
        data={"mission": text},
    )


def demo_with_two_releases(users: dict[str, Any]) -> dict[str, Any]:
    """The demo with its members, released twice (v2 sharpens the mission, with notes), and a
    draft mission after v2 that no release has: what the demo's PDFs are made of."""
    om = add_members(build_model(users["facilitator"]), users)
    purpose = Purpose.objects.get(operating_model=om)
    demo = {
        "om": om,
        "mission": purpose.mission,
        "vision": purpose.vision,
        "principles": list(
            Principle.objects.filter(operating_model=om).values_list("name", flat=True)
        ),
    }
    demo["v1"] = release_publish(operating_model=om, actor=users["facilitator"], title="First cut")
    set_mission(om, users["facilitator"], "Quokkas everywhere, measured")
    demo["v2"] = release_publish(
        operating_model=om,
        actor=users["facilitator"],
        title="Sharper mission",
        notes="We **sharpened** the mission after the first workshop.",
    )
    set_mission(om, users["facilitator"], "A draft mission nobody released")
    return demo


def long_names(om) -> None:
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


def sources_html(om, release, kind: str) -> str:
    """What a PDF was made from, as HTML: the handbook's, or the picture's at every density
    (the layout picks one)."""
    if kind == "handbook":
        # and the cover's page count, known once the parts are laid out ("18 pages")
        return handbook_html(pdf_source(om, release, with_diff=True)) + " pages"
    source = pdf_source(om, release)
    return " ".join(picture_html(source.at(density)) for density in DENSITIES)


def cpu() -> tuple[float, float]:
    """CPU seconds of this process, and of its children that have ended."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def words(text: str) -> str:
    """pdftotext breaks lines (and -layout adds spaces): compare on single spaces."""
    return re.sub(r"\s+", " ", text)


# ---------- the checks every PDF gets (each module runs them on its own PDFs) ----------


def check_layout(pdf: Pdf, margins: dict[str, float]) -> None:
    """No words collide, run off the page or are set under 7 pt."""
    problems = layout_problems(pdf.path, **margins)
    assert len(problems["words"]) > 300, "the check needs words to look at"
    assert problems["overlapping"] == [], problems["overlapping"][:5]
    assert problems["outside the margins"] == [], problems["outside the margins"][:5]
    assert problems["under 7 pt"] == [], problems["under 7 pt"][:5]


def check_cuts(pdf: Pdf) -> None:
    """Nothing is cut while space is left (issue 16): a list that ends in "+N more" stands in
    a column (the main area, the side column) with at most ``CUT_ROOM_MM`` free under it."""
    assert cut_too_soon(pdf.path) == []


def check_layouts_taken(layouts: list[int]) -> None:
    """A layout of the picture costs a few tenths of a second of CPU (the demo's took three,
    issue 16): the density is predicted from its HTML, and a layout confirms it."""
    assert layouts in ([1], [2]), layouts


def check_tagged(pdf: Pdf, title: str) -> None:
    tags = tags_of(pdf.path)
    assert tags.marked, "MarkInfo /Marked true"
    assert tags.lang == "en-GB"
    assert title in tags.title and tags.display_title
    assert tags.kinds.get("H1", 0) >= 1 and tags.kinds.get("H2", 0) >= 1, tags.kinds
    # every page's marked content is tied into the one tree (the handbook is joined from parts)
    assert tags.problems == [], tags.problems[:5]
    assert all(alt.strip() for alt in tags.figures_alt), tags.figures_alt


def check_no_page_mostly_empty(pdf: Pdf) -> None:
    assert mostly_empty_pages(pdf.path) == []


def check_no_fragments(pdf: Pdf, html: str) -> None:
    found = fragments(pdf.path, html)
    assert found == [], [(w.page, w.text) for w in found[:10]]


def check_pngs(names: list[str]) -> None:
    for name in names:
        assert (ARTIFACTS / name).stat().st_size > 10_000, name
