"""PDFs and their checks, beside the models' PDFs (test_pdfs_demo.py, test_pdfs_large.py,
test_pdfs_long_names.py, which run the checks of tests/exports/pdfs.py): each check sees the
fault it looks for on a page made to fail it; rich text is sanitised; WeasyPrint fetches
nothing but the app's static files; a page left mostly empty before a turn is balanced."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pytest

from canvas.models import Purpose
from opmodel.exports import html_to_pdf, pdfs, render_pdf
from opmodel.exports.pdfs import handbook_html
from opmodel.exports.sources import DENSITIES, pdf_source
from opmodel.exports.weasy import static_roots
from opmodel.registry import registry
from opmodel.services import part_update
from tests.conftest import build_model
from tests.exports.conftest import (
    Pdf,
    cut_too_soon,
    fragments,
    mostly_empty_pages,
    need_poppler,
)
from tests.exports.pdfs import words

pytestmark = pytest.mark.django_db


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
    text = words(Pdf(path, 4).text())
    assert all(f"Row {i} of a table" in text for i in range(70))


def test_pdf_streams_are_compressed_at_zlib_level_6():
    # pydyf's level 9 cost 10-15 % of writing a handbook part for 2-4 % of its size
    import pydyf

    from opmodel.exports import weasy

    weasy.layout("<p>x</p>")
    content = b"\n".join(b"q 1 0 0 1 %d 0 cm Q" % i for i in range(2000))
    stream = pydyf.Stream([content], compress=True).data
    compressed = stream.split(b"\nstream\n", 1)[1].rsplit(b"\nendstream", 1)[0]
    assert compressed == zlib.compress(content, 6) != zlib.compress(content, 9)


def test_a_text_split_again_in_the_same_style_is_answered_once_and_others_are_not():
    # weasy._cache_splits: a text split into lines is split once per (text, width, the font
    # and text properties); the same words in another weight, size or spacing are split anew
    from opmodel.exports import weasy

    styles = ["", "font-weight: 700", "font-size: 20px", "letter-spacing: 2px", ""]
    styles.append("text-decoration: underline")  # a set of lines: drawn with the font's metrics
    cells = "".join(f'<td style="{style}">Platform squad</td>' for style in styles)
    document = weasy.layout(f'<table class="data"><tr>{cells}</tr></table>')
    texts = [
        box
        for box in weasy._boxes(document.pages[0]._page_box)
        if type(box).__name__ == "TextBox" and box.text == "Platform squad"
    ]
    widths = [round(box.width, 3) for box in texts]
    assert len(widths) == 6
    assert widths[0] == widths[4] == widths[5]
    assert len(set(widths[:4])) == 4  # bold, larger, spaced: each wider than the plain one
    assert min(widths) == widths[0]
    # each box has a layout of its own (drawing changes it), the same text in it
    assert texts[0].pango_layout is not texts[4].pango_layout
    assert texts[0].pango_layout.text == texts[4].pango_layout.text == "Platform squad"
    assert texts[0].pango_layout.underline_position is None
    assert texts[5].pango_layout.underline_position is not None
    font_config = texts[0].style.font_config
    assert any(key[0] == "Platform squad" for key in font_config.opmodel_splits)
