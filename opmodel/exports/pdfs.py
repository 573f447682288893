"""Rendering the PDFs: the picture on a page, the handbook and registered subjects (a
workshop's summary). Plain functions of a ``PdfSource``; storing and progress are the
services' business (``opmodel.services.exports``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from html import unescape
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from opmodel.registry import PdfBlock, registry

from .joining import TaggedJoin
from .parts import PROCESSES, Part, PartMaker, render_parts
from .sources import DENSITIES, Density, PdfSource
from .weasy import (
    PDF_OPTIONS,
    Fetches,
    Rendered,
    break_before,
    html_to_pdf,
    layout,
    layout_again,
    write,
)

if TYPE_CHECKING:
    from opmodel.models import OperatingModel

Progress = Callable[[int], None]


def _quiet(_percent: int) -> None:
    return None


class PictureDoesNotFit(Exception):
    """Even the tightest setting of the picture on a page takes more than one page: we fail
    loudly rather than cut anything off."""


@dataclass
class RenderedBlock:
    block: PdfBlock
    html: SafeString


def render_blocks(source: PdfSource, kind: str) -> list[RenderedBlock]:
    """Every registered block of ``kind``, rendered for this source."""
    rendered = []
    for block in registry.pdf_blocks(kind):
        context: dict[str, Any] = {"source": source, "block": block}
        if block.context is not None:
            context.update(block.context(source))
        rendered.append(RenderedBlock(block, SafeString(render_to_string(block.template, context))))
    return rendered


# The PDFs' language: ``<html lang>`` of templates/exports/_pdf_base.html (the joined handbook
# states it again in its catalog).
DOCUMENT_LANGUAGE = "en-GB"

# What a cut list ends with (the blocks' templates and the health list): the page says what was
# left out and where it is.
CUT_MARK = "more in the handbook"


def picture_html(
    source: PdfSource, side: PdfSource | None = None, type_level: int | None = None
) -> str:
    """The picture on a page: the main area's blocks as ``source`` sets them, the side
    column's as ``side`` does (by default the same), in the type of ``type_level`` (by
    default ``source``'s density)."""
    side = side or source
    main_blocks = [b for b in render_blocks(source, "picture") if b.block.in_main_area]
    side_blocks = [b for b in render_blocks(side, "picture") if not b.block.in_main_area]
    return render_to_string(
        "exports/picture.html",
        {
            "source": source,
            "type_level": source.density.level if type_level is None else type_level,
            "main": main_blocks,
            "side": side_blocks,
            "condensed": any(CUT_MARK in b.html for b in main_blocks + side_blocks),
            # the health findings: eight while nothing else in its column is cut, then four,
            # and more as the column's lists grow (``growing``)
            "findings_shown": 8 if side.limit is None else min(8, max(4, side.limit // 3)),
        },
    )


# Choosing the density. Every layout of the picture costs a few tenths of a second of CPU (a
# layout that runs over the page, splitting its columns, more), so the density is first
# *predicted* from the HTML of each density: a column's height grows with the area of its
# text (characters x font size² x line height) and with its items (list items, rows,
# headings, paragraphs: their gaps and rules), plus a fixed part (headings and gaps).
# Fitted (least squares) on the demo's and the large model's columns at every density,
# within 5 % mostly (11 % at worst). A layout then decides, as before: the prediction is
# only where to start and where to go next; each laid-out column rescales its own
# prediction, so the next guess is better still.
MM_PER_PX = 25.4 / 96
# What the columns of one A3 page hold, in mm: 297 - 11 (footer margin) - 11 (poster's top
# padding) - 31 (header) - 6 (gap under it).
COLUMN_ROOM_MM = 238.0
# Per column (main area, side): mm per unit of text area, per item, and fixed.
COLUMN_FIT = {"main": (2.956, 0.748, 104.6), "side": (2.497, 3.596, 49.3)}
# The type of each density (static/css/pdf.css: .picture.density-N .poster), in pt, and its
# line height; tests/exports checks the two agree.
DENSITY_TYPE = {0: (10, 1.3), 1: (9.4, 1.3), 2: (8.8, 1.27), 3: (8.4, 1.25), 4: (8.1, 1.24)}
TIGHTEST_TYPE = (7.8, 1.22)
# Free space (in CSS px, 96 per inch) worth trying a more generous density for: about 20 mm.
ROOM_TO_GROW = 75
# Nothing is cut while space is left: at a density's type, each column's lists are set at the
# most generous density whose predicted height stays this far under the room (the prediction
# is within 5 % mostly), so a short column grows while the tall one sets the type.
GROW_MARGIN_MM = 8.0
_TAG = re.compile(r"<[^>]+>")
_ITEM = re.compile(r"<(?:li|tr|h3|p)\b")
_SPACES = re.compile(r"\s+")


def _columns_html(html: str) -> dict[str, str]:
    main, _sep, rest = html.partition('<div class="pmain">')
    main, _sep, side = rest.partition('<aside class="pside">')
    return {"main": main, "side": side.partition('<div class="pf-rule">')[0]}


def predicted_heights(html: str, level: int) -> dict[str, float]:
    """Each column's height in mm, as the fit predicts it for this density's HTML."""
    size, line = DENSITY_TYPE.get(level, TIGHTEST_TYPE)
    heights = {}
    for column, part in _columns_html(html).items():
        chars = len(_SPACES.sub(" ", unescape(_TAG.sub(" ", part))))
        items = len(_ITEM.findall(part))
        per_text, per_item, fixed = COLUMN_FIT[column]
        area = chars * size * size * line / 1e4
        heights[column] = per_text * area + per_item * items * size * line / 10 + fixed
    return heights


def _boxes(box: Any) -> Any:
    yield box
    for child in getattr(box, "children", ()) or ():
        yield from _boxes(child)


def _columns(page: Any) -> Any:
    for box in _boxes(page._page_box):
        if box.element_tag in {"div", "aside"} and type(box).__name__ == "TableCellBox":
            classes = set((box.element.get("class") or "").split())
            if classes & {"pmain", "pside"}:
                yield ("main" if "pmain" in classes else "side"), box


def column_heights(page: Any) -> dict[str, float]:
    """How tall each column's content is on a laid-out page, in mm (a table cell is as tall as
    its row: what counts is where its last child ends)."""
    return {
        name: MM_PER_PX
        * (
            max((c.position_y + c.margin_height() for c in cell.children), default=0.0)
            - cell.content_box_y()
        )
        for name, cell in _columns(page)
    }


def _bottom(page: Any) -> float:
    """The lowest edge of the poster's columns on a laid-out page, in CSS px from its top."""
    return max((cell.position_y + cell.margin_height() for _n, cell in _columns(page)), default=0.0)


def _content_height(page: Any) -> float:
    box = page._page_box
    return float(box.height)


def room_left(document: Any) -> float:
    """Free space under the poster's lowest column on its first page, in CSS px."""
    page = document.pages[0]
    return _content_height(page) - _bottom(page)


def overrun_mm(document: Any) -> float:
    """How far a layout that took more than a page ran over, in mm (what its next pages hold)."""
    return MM_PER_PX * sum(_bottom(page) for page in document.pages[1:])


# What growing lists add is predicted less well than a column's height: it counts this many
# times over, and more with the share of the column's text in words longer than
# ``LONG_NAME`` characters (a 60-character name wraps onto more lines in the side column's
# narrow boxes than its area says). Fitted on the demo, the large model and long names.
GROWTH_WEIGHT = 1.2
LONG_NAME = 20
LONG_NAME_WEIGHT = 3.0
# A column that cuts its lists with more room than this left under it (mm) is grown again
# after the first layout, with its measured height (tests/exports: a cut column keeps at most
# 20 mm free; under 18 mm a second layout is not worth its cost).
REGROW_ROOM_MM = 18.0
# Grown from a measured height, a column keeps this much room to spare (mm).
REGROW_MARGIN_MM = 3.0
# Past the last density that cuts, lists grow by at most this many items.
GROW_ITEMS = 24


def growing(level: int) -> list[Density]:
    """``level``'s density, then its lists longer one item at a time (the shorter lists in
    proportion) up to the more generous densities' and past them, names and texts cut as
    ``level`` cuts them: what a column with room to spare may show, from the least to the
    most (its type stays the page's: the prediction's per-item height holds)."""
    base = DENSITIES[level]
    if base.limit is None or base.small_limit is None:
        return [base]
    limits = [(base.limit, base.small_limit)]
    for density in DENSITIES[level - 1 :: -1] if level else ():
        if density.limit is None or density.small_limit is None:
            break
        limits.append((density.limit, density.small_limit))
    last, small = limits[-1]
    limits.append((last + GROW_ITEMS, small + GROW_ITEMS * small // last))
    steps = [base]
    for (low, low_small), (high, high_small) in zip(limits, limits[1:], strict=False):
        for n in range(low + 1, high + 1):
            fraction = (n - low) / (high - low)
            shorter = low_small + round(fraction * (high_small - low_small))
            steps.append(replace(base, limit=n, small_limit=shorter))
    return steps


class _Densities:
    """The picture's HTML at each density (rendered once each) and the predicted heights,
    rescaled per column by what the layouts so far measured."""

    def __init__(self, source: PdfSource) -> None:
        self.source = source
        self.html: dict[int, str] = {}
        self.grown: dict[int, str] = {}
        self.lists_html: dict[Density, str] = {}
        self.lists: dict[int, dict[str, Density]] = {}
        self.scale = {"main": 1.0, "side": 1.0}

    def html_at(self, level: int) -> str:
        if level not in self.html:
            self.html[level] = picture_html(self.source.at(DENSITIES[level]))
        return self.html[level]

    def html_of(self, density: Density) -> str:
        if density not in self.lists_html:
            self.lists_html[density] = picture_html(self.source.at(density))
        return self.lists_html[density]

    def lists_at(
        self, level: int, column: str, measured: tuple[Density, float] | None = None
    ) -> Density:
        """The longest lists of ``column`` predicted to fit in ``level``'s type with
        ``GROW_MARGIN_MM`` to spare (``growing``: searched by halves; ``level``'s own when
        none is). ``measured``: lists this column was laid out with and its height then (mm):
        the prediction adds to that height what longer lists add."""
        steps = growing(level)
        start, height_then = measured or (steps[0], 0.0)
        steps = steps[steps.index(start) :] if start in steps else steps
        base = predicted_heights(self.html_of(steps[0]), level)[column]
        words = _SPACES.sub(
            " ", unescape(_TAG.sub(" ", _columns_html(self.html_of(steps[0]))[column]))
        ).split()
        long_share = sum(len(w) for w in words if len(w) > LONG_NAME) / max(1, sum(map(len, words)))
        weight = GROWTH_WEIGHT + LONG_NAME_WEIGHT * long_share

        def fits(density: Density) -> bool:
            added = weight * (predicted_heights(self.html_of(density), level)[column] - base)
            if measured:
                return height_then + added <= COLUMN_ROOM_MM - REGROW_MARGIN_MM
            return (base + added) * self.scale[column] <= COLUMN_ROOM_MM - GROW_MARGIN_MM

        low, high = 0, len(steps) - 1  # steps[low] is taken (fits, or the first)
        while low < high:
            middle = (low + high + 1) // 2
            if fits(steps[middle]):
                low = middle
            else:
                high = middle - 1
        return steps[low]

    def grown_at(self, level: int) -> str:
        """The HTML laid out for ``level``: its type, each column's lists grown into the room
        the other column leaves (``lists_at``)."""
        if level not in self.grown:
            lists = self.lists.setdefault(
                level, {c: self.lists_at(level, c) for c in ("main", "side")}
            )
            self.grown[level] = (
                self.html_at(level)
                if lists["main"] == lists["side"] == DENSITIES[level]
                else picture_html(
                    self.source.at(lists["main"]),
                    side=self.source.at(lists["side"]),
                    type_level=level,
                )
            )
        return self.grown[level]

    def regrow(self, level: int, document: Any) -> bool:
        """After a layout at ``level`` that fits: whether a column that cuts its lists has
        more than ``REGROW_ROOM_MM`` left under it and grows from its measured height
        (``grown_at`` is then what to lay out next)."""
        html = self.grown_at(level)
        columns = _columns_html(html)
        heights = column_heights(document.pages[0])
        lists = dict(self.lists[level])
        for column in columns:
            height = heights.get(column, COLUMN_ROOM_MM)
            if "more" in columns[column] and COLUMN_ROOM_MM - height > REGROW_ROOM_MM:
                lists[column] = self.lists_at(level, column, measured=(lists[column], height))
        if lists == self.lists[level]:
            return False
        self.lists[level] = lists
        del self.grown[level]
        return True

    def raw(self, level: int) -> dict[str, float]:
        return predicted_heights(self.html_at(level), level)

    def height(self, level: int) -> float:
        return max(h * self.scale[c] for c, h in self.raw(level).items())

    def fits(self, level: int) -> bool:
        return self.height(level) <= COLUMN_ROOM_MM

    def most_generous_fitting(self, lowest: int = 0) -> int:
        """The most generous density from ``lowest`` on predicted to fit (the heights only
        shrink as the density tightens: searched from the tightest up)."""
        level = len(DENSITIES) - 1
        while level > lowest and self.fits(level - 1):
            level -= 1
        return level

    def measured(self, level: int, document: Any) -> None:
        """Rescale the predictions by what a layout at ``level`` (``grown_at``) measured."""
        raw = predicted_heights(self.grown_at(level), level)
        if len(document.pages) == 1:
            for column, height in column_heights(document.pages[0]).items():
                if raw.get(column, 0) > 0 and height > 0:
                    self.scale[column] = height / raw[column]
        else:  # ran over: each column that goes on was short by its overrun at least
            overrun = {column: 0.0 for column in raw}
            for page in document.pages[1:]:
                for column, height in column_heights(page).items():
                    overrun[column] += max(0.0, height)
            if not any(overrun.values()):  # not told apart: the taller prediction, then
                column = max(raw, key=lambda c: raw[c] * self.scale[c])
                overrun[column] = overrun_mm(document)
            for column, height in column_heights(document.pages[0]).items():
                if not overrun.get(column) and raw.get(column, 0) > 0 and height > 0:
                    self.scale[column] = height / raw[column]  # it ended on the first page
            for column, over in overrun.items():
                if over > 0 and raw.get(column, 0) > 0:
                    self.scale[column] = max(
                        self.scale[column], (COLUMN_ROOM_MM + over) / raw[column]
                    )


def picture_pdf(source: PdfSource, progress: Progress = _quiet) -> Rendered:
    """One landscape A3 page, whatever the model's size: laid out at the most generous density
    that fits (smaller type first, then shorter lists ending in "+N more in the handbook").

    The layout decides what fits; the prediction (``predicted_heights``) picks where to start
    and where to go next, so most pictures take one layout. At a density's type each column's
    lists grow into the room the other column leaves (``growing``), once more from its
    measured height after the first layout if it still cuts with room left: nothing is cut
    while space is left (tests/exports: ``cut_too_soon``)."""
    densities = _Densities(source)
    level = densities.most_generous_fitting()
    tried: dict[int, tuple[Any, Fetches, bool]] = {}
    while True:
        fetches = Fetches()
        document = layout(densities.grown_at(level), fetches)
        fits = len(document.pages) == 1
        tried[level] = (document, fetches, fits)
        densities.measured(level, document)
        # Progress: 15 % for the source, then each layout (most renders take one).
        progress(min(85, 15 + 35 * len(tried)))
        if fits:
            more_generous = level - 1
            if (
                level > 0
                and more_generous not in tried
                and room_left(document) >= ROOM_TO_GROW
                and densities.fits(more_generous)
            ):
                level = more_generous  # room to spare: try it before keeping any cut
                continue
            break
        fitted = [k for k, (_d, _f, ok) in tried.items() if ok and k > level]
        if fitted:  # a tighter one fitted: the most generous of those
            level = min(fitted)
            break
        if level + 1 >= len(DENSITIES):
            raise PictureDoesNotFit(
                f"the picture on a page of {source.name} does not fit one page even at its tightest"
            )
        level = densities.most_generous_fitting(lowest=level + 1)
    document, fetches, _fits = tried[level]
    if len(tried) == 1 and densities.regrow(level, document):
        # one layout so far, and a cut column with room left: its lists grown again with its
        # measured height (kept if the page still holds it)
        fetches = Fetches()
        regrown = layout(densities.grown_at(level), fetches)
        progress(min(85, 15 + 35 * 2))
        if len(regrown.pages) == 1:
            document = regrown
        else:
            document, fetches, _fits = tried[level]
    rendered = write(document, fetches)
    progress(95)
    return rendered


@dataclass(frozen=True)
class Chapter:
    title: str
    anchor: str
    level: int | None = None
    page: int = 0  # where it starts (0: not known, the whole-document rendering)


@dataclass(frozen=True)
class Piece:
    """What one part of the handbook holds: a chapter, or a run of it that starts on a page
    of its own (a chapter's template marks those places with ``PART``). ``run_on``: it
    follows the piece before it on the same page instead of starting a page."""

    title: str
    anchor: str
    html: SafeString
    continued: bool = False
    run_on: bool = False


# Where a chapter may be cut into separately rendered parts: places that start a page anyway
# (a journey's swim lanes, a page of the accountability matrix). Rendering a long chapter in
# parts keeps the memory of one part, not of the whole book.
PART = "<!-- pdf:part -->"


def _pieces(source: PdfSource, blocks: list[RenderedBlock]) -> list[Piece]:
    """The handbook's body in the pieces it is rendered in: the blocks' chapters (cut at
    their ``PART`` marks), the health findings and the release notes."""
    pieces: list[Piece] = []
    for b in blocks:
        runs = [run for run in str(b.html).split(PART) if run.strip()] or [""]
        pieces.extend(
            Piece(b.block.title, b.block.anchor, SafeString(run), continued=i > 0)
            for i, run in enumerate(runs)
        )
    context = _handbook_context(source)
    for title, anchor, partial in (
        ("Health findings", "ch-health", "health"),
        ("Release notes and changes", "ch-release", "release"),
    ):
        html = render_to_string(f"exports/handbook.html#{partial}", context)
        pieces.append(Piece(title, anchor, SafeString(html)))
    return pieces


def _chapters(blocks: list[RenderedBlock], pages: dict[str, int] | None = None) -> list[Chapter]:
    pages = pages or {}
    chapters = [Chapter(b.block.title, b.block.anchor, b.block.level) for b in blocks]
    chapters.append(Chapter("Health findings", "ch-health"))
    chapters.append(Chapter("Release notes and changes", "ch-release"))
    return [replace(c, page=pages.get(c.anchor, 0)) for c in chapters]


def _handbook_context(source: PdfSource) -> dict[str, Any]:
    running = f"{source.organisation} · {source.name} · {source.version_label}"
    return {"source": source, "running": running}


def handbook_html(source: PdfSource) -> str:
    """The whole handbook as one HTML document (to inspect; the PDF is rendered in parts)."""
    blocks = render_blocks(source, "handbook")
    pieces = [
        replace(piece, html=SafeString(str(piece.html).replace(PART, "")))
        for piece in _pieces(source, blocks)
        if not piece.continued
    ]
    return render_to_string(
        "exports/handbook.html",
        {**_handbook_context(source), "pieces": pieces, "chapters": _chapters(blocks)},
    )


# A page whose text ends in the top third of its body is mostly empty: the next piece runs on
# under it instead of starting a page (tests/exports: no handbook page is left mostly empty).
MOSTLY_EMPTY = 1 / 3
# A part runs on into the next piece only while it is short: it is laid out again with it,
# and a long part laid out twice costs more than the page it would save.
RUN_ON_PAGES = 6


# A page left mostly empty before a page that must start anew (one of the other orientation:
# the landscape map or swim lanes; or the next part's first page) takes the last rows of the
# page before it, so that both end at least half way down (the page before keeps half).
BALANCED = 1 / 2
# Where a page may be made to break: before a table's row, a squad, a paragraph, a list item,
# a heading; never right after a heading or a matrix's area row (they stay with what follows).
_BREAKABLE = {"tr", "article", "section", "div", "p", "li", "dl", "ul", "ol", "table", "h2", "h3"}
_KEEP_WITH_NEXT = {"h1", "h2", "h3"}
_BLOCKS = {"BlockBox", "TableWrapperBox", "TableRowBox", "BlockReplacedBox"}


def _body(page: Any) -> tuple[float, float, float]:
    """A laid-out page's body: its top, its height and where its lowest line ends (CSS px)."""
    box = page._page_box
    top = box.content_box_y()
    lines = [
        b.position_y + b.height
        for b in _boxes(box.children[0])
        if type(b).__name__ in {"LineBox", "InlineReplacedBox", "BlockReplacedBox"}
    ]
    return top, box.height, max(lines, default=top)


def _fill(page: Any) -> float:
    top, height, lowest = _body(page)
    return (lowest - top) / height


def _landscape(page: Any) -> bool:
    return bool(page.width > page.height)


def short_pages(document: Any, *, last_part: bool) -> list[int]:
    """The pages (from 0) whose text ends in the top third of their body while the page after
    them must start a page: it turns (portrait to landscape or back), or it is the next part's
    first page. The page before must be of the same orientation (it gives the rows)."""
    pages = document.pages
    short = []
    for i in range(1, len(pages)):
        following = pages[i + 1] if i + 1 < len(pages) else None
        if following is None and last_part:
            continue
        forced = following is None or _landscape(following) != _landscape(pages[i])
        if (
            forced
            and _landscape(pages[i - 1]) == _landscape(pages[i])
            and _fill(pages[i]) < MOSTLY_EMPTY
        ):
            short.append(i)
    return short


def _break_candidates(box: Any) -> Any:
    """The boxes a page may break before: block-level boxes of ``_BREAKABLE`` elements with a
    block before them in their parent that is no heading (or a matrix's area row)."""
    before = None
    for child in getattr(box, "children", ()) or ():
        if (
            before is not None
            and type(child).__name__ in _BLOCKS
            and child.element_tag in _BREAKABLE
            and before.element_tag not in _KEEP_WITH_NEXT
            and "area" not in (before.element.get("class") or "").split()
        ):
            yield child
        yield from _break_candidates(child)
        if type(child).__name__ in _BLOCKS:
            before = child


def balance(document: Any, short: list[int]) -> bool:
    """Force a page break on the page before each ``short`` page, where its last rows move
    down to make both pages end at least ``BALANCED`` down (``weasy.break_before``:
    ``layout_again`` lays it out again from there). False if no place fits."""
    changed = False
    for i in short:
        page = document.pages[i - 1]
        top, height, lowest = _body(page)
        move = (BALANCED - _fill(document.pages[i])) * document.pages[i]._page_box.height
        places = [
            box
            for box in _break_candidates(page._page_box)
            if top + BALANCED * height <= box.position_y <= lowest - move
        ]
        if places:
            break_before(document, i - 1, max(places, key=lambda b: b.position_y))
            changed = True
    return changed


def balanced(document: Any, *, last_part: bool) -> Any:
    """A part with no mostly empty page before a turn or the next part: the page before gives
    it its last rows (laid out again once; a second time if a break moved what follows)."""
    for _attempt in range(2):
        short = short_pages(document, last_part=last_part)
        if not short or not balance(document, short):
            break
        document = layout_again(document)
    return document


def tail_fill(document: Any) -> float:
    """How far down its body the text of the last page reaches, from 0 to 1."""
    return _fill(document.pages[-1])


def _starts(document: Any, pieces: list[Piece], first_page: int) -> dict[str, int]:
    """The page each piece's chapter starts on (pieces that continue a chapter have none)."""
    starts: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=first_page):
        for piece in pieces:
            if not piece.continued and piece.anchor in page.anchors:
                starts.setdefault(piece.anchor, number)
    return starts


# A handbook whose body is shorter than this (characters of its pieces' HTML) is laid out in
# this process, part after part: worker processes cost a small handbook more than they save
# (the demo's, 63,000 characters and 17 pages: 2.7 CPU-s in one process, 3.2-3.9 with two
# workers, which lay out parts on speculation that a run-on throws away). The large model's
# is 760,000 characters (187 pages); one part of 30 pages is about 120,000.
WORKERS_FROM = 200_000


def handbook_processes(pieces: list[Piece]) -> int:
    """How many processes lay the handbook's parts out: one for a small handbook."""
    size = sum(len(piece.html) for piece in pieces)
    return PROCESSES if size >= WORKERS_FROM else 1


def handbook_pdf(
    source: PdfSource, progress: Progress = _quiet, *, processes: int | None = None
) -> Rendered:
    """The whole model: cover, contents with page numbers, every level in full, health, the
    release notes and what changed since the previous release; page numbers, running heads.

    Rendered in parts, each laid out and written in a worker process of its own, two at once
    (``opmodel.exports.parts``; a small handbook in this process: ``handbook_processes``,
    unless ``processes`` says how many), then joined (tags and all) in order. WeasyPrint holds a
    laid-out document in memory: 200 pages at once took 850 MiB, one process laying the parts
    out one after the other 340 MiB (its heap only grew). A part whose last page is mostly
    empty is laid out again with the next piece running on under it; a page left mostly
    empty before a turn or the next part takes the last rows of the page before it
    (``balanced``). The front matter
    (cover and contents) comes last, when the chapters' first pages are known, and is put
    in front."""
    blocks = render_blocks(source, "handbook")
    context = _handbook_context(source)
    pieces = _pieces(source, blocks)
    if processes is None:
        processes = handbook_processes(pieces)
    front_pages = 2  # the cover and the contents: checked below
    fetches = Fetches()
    joined = TaggedJoin()
    starts: dict[str, int] = {}

    def group(start: int, end: int) -> list[Piece]:
        return [pieces[start]] + [replace(p, run_on=True) for p in pieces[start + 1 : end]]

    def lay_out(start: int, end: int, fetches: Fetches) -> Any:
        # no first page: the page numbers are given late (weasy.PAGE_OFFSET)
        html = render_to_string(
            "exports/handbook.html", {**context, "part": "body", "pieces": group(start, end)}
        )
        return layout(html, fetches)

    def runs_on(document: Any, start: int, end: int) -> bool:
        return (
            end < len(pieces)
            and len(document.pages) <= RUN_ON_PAGES
            and tail_fill(document) < MOSTLY_EMPTY
        )

    def settle(document: Any, start: int, end: int) -> Any:
        return balanced(document, last_part=end == len(pieces))

    def chapter_starts(document: Any, start: int, end: int, first_page: int) -> dict[str, int]:
        return _starts(document, group(start, end), first_page)

    written: list[bytes] = []

    def done(part: Part) -> None:
        for anchor, number in part.starts.items():
            starts.setdefault(anchor, number)
        written.append(part.pdf)
        progress(min(85, 20 + 65 * part.end // len(pieces)))

    page = render_parts(
        len(pieces),
        front_pages + 1,
        PartMaker(lay_out, runs_on, settle, chapter_starts),
        fetches,
        done,
        processes,
        sizes=[len(piece.html) for piece in pieces],
    )
    total = page - 1
    # Joined once all are written: the workers are forked from this process, and a join
    # growing in it (qpdf's objects, 8 MiB a part) would be in every later worker's memory.
    for number, pdf in enumerate(written, start=1):
        joined.add(pdf)
        written[number - 1] = b""
        progress(85 + 4 * number // len(written))
    front = layout(
        render_to_string(
            "exports/handbook.html",
            {
                **context,
                "part": "front",
                "chapters": _chapters(blocks, starts),
                "total_pages": total,
            },
        ),
        fetches,
    )
    if len(front.pages) != front_pages:
        raise RuntimeError(
            f"the handbook's cover and contents took more than two pages ({len(front.pages)})"
        )
    joined.add(front.write_pdf(**PDF_OPTIONS), in_front=True)
    del front
    progress(92)
    for chapter in _chapters(blocks, starts):
        title = f"Level {chapter.level} · {chapter.title}" if chapter.level else chapter.title
        joined.outline(title, chapter.page - 1)
    pdf = joined.write(
        title=f"{source.name} · handbook · {source.version_label}", lang=DOCUMENT_LANGUAGE
    )
    progress(95)
    return Rendered(pdf=pdf, pages=total, fetches=fetches)


def subject_pdf(
    operating_model: OperatingModel, kind: str, subject_id: int, progress: Progress = _quiet
) -> Rendered:
    """A registered subject's PDF (e.g. a workshop summary)."""
    subject = registry.export_subject(kind)
    if subject is None:
        raise LookupError(f"no PDF of kind {kind!r}")
    context = subject.context(operating_model, subject_id)
    html = render_to_string(subject.template, {"om": operating_model, **context})
    progress(30)
    return html_to_pdf(html)
