"""Real PDFs of a model whose names are as long as a model allows in places (60+ characters
without a space, and long phrases): nothing may run out of its box or off the page. Every PDF
gets the checks of tests/exports/pdfs.py.

Rendering is slow: every PDF here is rendered once per module, in a transaction rolled back
afterwards."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from opmodel.exports import render_pdf
from opmodel.services import release_publish
from tests.conftest import build_model
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
    check_tagged,
    counting_layouts,
    long_names,
    pdf_users,
    sources_html,
    words,
)

# Every test is marked for the database: pytest-django sets up the test database only when a
# selected test is, and ``rendered`` writes to it (so ``-k`` one test works too).
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker, tmp_path_factory) -> dict[str, Any]:
    """The long names' release picture and handbook: rendered once, the database left as it
    was."""
    need_poppler()
    directory = tmp_path_factory.mktemp("pdfs-long-names")
    out: dict[str, Any] = {"layouts": {}}
    with django_db_blocker.unblock(), transaction.atomic():
        users = pdf_users()
        long_model = build_model(users["facilitator"])
        long_names(long_model)
        release = release_publish(
            operating_model=long_model, actor=users["facilitator"], title="Long"
        )
        with counting_layouts(out["layouts"].setdefault("long_picture", [])):
            out["long_picture"] = keep(
                render_pdf(long_model, "picture", release=release),
                directory,
                "picture-long-names",
            )
        out["long_picture_html"] = sources_html(long_model, release, "picture")
        out["long_handbook"] = keep(
            render_pdf(long_model, "handbook", release=release), directory, "handbook-long-names"
        )
        out["long_handbook_html"] = sources_html(long_model, release, "handbook")
        transaction.set_rollback(True)
    out["long_picture"].png("picture-long-names", dpi=60)
    out["long_handbook"].png("handbook-long-names", first=3, last=6, dpi=40)
    return out


def test_long_unbroken_names_stay_on_the_picture(rendered):
    pdf: Pdf = rendered["long_picture"]
    assert pdf.pages == 1 and pdf.info()["Page size"] == A3_LANDSCAPE
    text = words(pdf.text())
    assert "Unbroken" in text and "A rather long name for" in text


# ---------- the checks every PDF gets (tests/exports/pdfs.py) ----------


@pytest.mark.parametrize(
    ("name", "margins"),
    [("long_picture", PICTURE_MARGINS), ("long_handbook", HANDBOOK_MARGINS)],
)
def test_no_words_collide_run_off_the_page_or_are_set_under_7_pt(rendered, name, margins):
    check_layout(rendered[name], margins)


def test_the_picture_cuts_a_list_only_when_its_column_is_full(rendered):
    check_cuts(rendered["long_picture"])


def test_the_picture_takes_one_layout_or_two(rendered):
    check_layouts_taken(rendered["layouts"]["long_picture"])


def test_the_pngs_to_look_at_are_written(rendered):
    check_pngs(["picture-long-names-1.png"])


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("long_picture", "Quokka · picture on a page · Release v1"),
        ("long_handbook", "Quokka · handbook · Release v1"),
    ],
)
def test_every_pdf_is_tagged_with_its_language_title_and_a_structure_a_reader_can_follow(
    rendered, name, title
):
    check_tagged(rendered[name], title)


def test_no_handbook_page_is_left_mostly_empty(rendered):
    check_no_page_mostly_empty(rendered["long_handbook"])


@pytest.mark.parametrize("name", ["long_picture", "long_handbook"])
def test_no_word_is_broken_into_fragments(rendered, name):
    check_no_fragments(rendered[name], rendered[f"{name}_html"])
