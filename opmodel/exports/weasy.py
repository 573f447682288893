"""WeasyPrint, locked down: it reads the app's own static files (fonts, stylesheet) and nothing
else, so a PDF renders the same on every machine and never reaches the network, whatever a
model's text contains."""

from __future__ import annotations

import copy
import logging
import re
import ssl
import threading
import zlib
from collections import defaultdict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

log = logging.getLogger(__name__)


def static_roots() -> list[Path]:
    """The folders a PDF may read from: the project's static folders and collected static."""
    roots = [Path(p).resolve() for p in settings.STATICFILES_DIRS]
    roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


def static_file_url(path: str) -> str:
    """A ``file://`` URL of one of the app's static files (what PDF templates link to)."""
    found = finders.find(path)
    if not found:
        raise ValueError(f"no static file {path!r}")
    return Path(str(found)).resolve().as_uri()


@dataclass
class Fetches:
    """What a render asked for: served from static files, or refused."""

    served: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


_NO_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # no certificates: no HTTPS is ever fetched


def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetchingError

    class StaticOnlyFetcher(URLFetcher):
        """Serves ``data:`` URLs and files inside the static folders; refuses anything else
        (http, https, ftp, other files) without opening a connection."""

        def __init__(self, record: Fetches) -> None:
            # An SSL context of our own, made once: without one, urllib's HTTPS handler loads
            # the system's certificates for every render (a tenth of a second, for a
            # fetcher that never opens a connection).
            super().__init__(
                allowed_protocols=["file", "data"], allow_redirects=False, ssl_context=_NO_TLS
            )
            self.record = record
            self.roots = static_roots()

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if parts.scheme == "file":
                path = Path(unquote(parts.path)).resolve()
                if any(path.is_relative_to(root) for root in self.roots) and path.is_file():
                    self.record.served.append(url)
                    return super().fetch(url, headers)
            self.record.refused.append(url)
            log.info("PDF render refused to fetch %s", url)
            raise URLFetchingError(f"PDFs only read the app's static files, not {url}")

    return StaticOnlyFetcher


# Tagged PDF, PDF/UA-1 (issue 20): the language (``<html lang>``) and the title (``<title>``,
# shown as the window's title), and a structure tree with headings (H1-H3), lists, tables
# and figures (an SVG's ``<title>`` is its /Alt) that a screen reader follows.
PDF_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/ua-1"}


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    fetches: Fetches


STYLESHEET = "css/pdf.css"
_styles = threading.local()


def pdf_stylesheet(fetcher: Any) -> tuple[Any, Any]:
    """The PDFs' stylesheet, parsed once per thread with its fonts (and again when the file
    changes): parsing it and loading its fonts took a few hundred milliseconds per document,
    and the handbook is rendered in parts, the picture in one to three layouts."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    path = Path(str(finders.find(STYLESHEET)))
    stamp = (str(path), path.stat().st_mtime_ns)
    cached = getattr(_styles, "cached", None)
    if cached is None or cached[0] != stamp:
        font_config = FontConfiguration()
        css = CSS(
            string=path.read_text(encoding="utf-8"),
            base_url=path.as_uri(),
            url_fetcher=fetcher,
            font_config=font_config,
        )
        cached = _styles.cached = (stamp, css, font_config)
    return cached[1], cached[2]


def load_stylesheet() -> None:
    """Parse the PDFs' stylesheet and load its fonts now: workers forked afterwards share
    them instead of each doing it again."""
    pdf_stylesheet(_fetcher_class()(Fetches()))


# A word longer than this (a 60-character name without a space) cannot fit a column: it is
# wrapped in <long-word> (an element of its own: no selector of the stylesheet's spans
# restyles it) and may break anywhere. Every other word breaks at
# spaces only, never into fragments ("Sustain-ability").
LONG_WORD = 25
_LONG = re.compile(rf"\S{{{LONG_WORD + 1},}}")
_NOT_TEXT = re.compile(r"(<svg\b.*?</svg>|<style\b.*?</style>|<[^>]*>)", re.S | re.I)


def mark_long_words(html: str) -> str:
    """``html`` with each text's words longer than ``LONG_WORD`` in a ``<long-word>``
    (not inside tags, SVG drawings or style sheets)."""
    chunks = _NOT_TEXT.split(html)
    for i in range(0, len(chunks), 2):  # the text between tags
        if len(chunks[i]) > LONG_WORD:
            chunks[i] = _LONG.sub(r"<long-word>\g<0></long-word>", chunks[i])
    return "".join(chunks)


# Page numbers given late: a handbook part is laid out in a worker process before the parts
# before it have been counted (opmodel.exports.parts). Its body does not depend on the number
# in its footer, and WeasyPrint makes the margin boxes (the running heads and "Page N") after
# the whole body is laid out: while this is set, the page counter of the margin boxes is
# moved on by what it returns, asked for when the first margin box is made.
PAGE_OFFSET: ContextVar[Callable[[], int] | None] = ContextVar("page_offset", default=None)


def _offset_page_numbers() -> None:
    from weasyprint import layout as weasy_layout

    original = weasy_layout.make_margin_boxes
    if getattr(original, "offset_page_numbers", False):
        return

    def make_margin_boxes(context: Any, page: Any, state: Any) -> Any:
        ask = PAGE_OFFSET.get()
        offset = ask() if ask is not None else 0
        if offset:
            quote_depth, counters, scopes, groups = state
            counters = {**counters, "page": [n + offset for n in counters.get("page", [0])]}
            state = (quote_depth, counters, scopes, groups)
        return original(context, page, state)

    make_margin_boxes.offset_page_numbers = True  # type: ignore[attr-defined]
    weasy_layout.make_margin_boxes = make_margin_boxes


# pydyf (WeasyPrint's PDF writer) compresses every stream at zlib's level 9; at level 6 (zlib's
# default) a handbook part of 20-30 pages is written in 0.67-0.86 s instead of 0.78-0.94 s and
# its file is 2-4 % larger (bench/RESULTS.md). The PDF's content is the same.
ZLIB_LEVEL = 6


class _Zlib:
    """The zlib module as pydyf sees it: streams compressed at ``ZLIB_LEVEL``."""

    def compressobj(self, level: int = -1, *args: Any, **kwargs: Any) -> Any:
        return zlib.compressobj(ZLIB_LEVEL, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)


def _compress_faster() -> None:
    import pydyf

    if not isinstance(pydyf.zlib, _Zlib):
        pydyf.zlib = _Zlib()  # type: ignore[assignment]


# Laying a part out again from one page on. Balancing a handbook part (``pdfs.balance``) forces
# a page break on one of its last pages; laying the whole part out again for it took a fifth of
# the large handbook's layout (the teams chapter: 4.5 of its 10 CPU-s). WeasyPrint lays pages out
# one after the other, each from where the one before stopped (its ``page_maker``), and re-makes
# only the pages whose start changed: a layout keeps what it was made of (the box tree, the
# layout context, the page boxes before their margin boxes were added), and ``layout_again``
# marks the first changed page and lays out from there; the pages after it are re-used as soon
# as one starts where it did before.
@dataclass
class _Kept:
    """What a layout was made of, kept for ``layout_again``."""

    html: Any
    root_box: Any
    context: Any
    raw_pages: list[Any] = field(default_factory=list)
    page_maker: list[Any] = field(default_factory=list)
    remake_from: int | None = None


_KEEP: ContextVar[list[_Kept] | None] = ContextVar("keep_layout", default=None)


def _unfinished(page: Any) -> Any:
    """A page box as ``make_all_pages`` made it, for WeasyPrint to finish (it sets the page's
    children, margin boxes included, and its root's): the page made stays as it was."""
    finished = page.copy()
    root, *areas = page.children
    finished.children = (root.copy(), *areas)
    return finished


def _keep_layouts() -> None:
    from weasyprint import document as weasy_document
    from weasyprint import layout as weasy_layout

    make_all_pages = weasy_layout.make_all_pages
    if getattr(make_all_pages, "keeps_pages", False):
        return
    layout_document = weasy_document.layout_document

    def keeping_layout_document(html: Any, root_box: Any, context: Any, *args: Any) -> Any:
        keep = _KEEP.get()
        if keep is not None:
            context.opmodel_kept = _Kept(html, root_box, context)
            keep.append(context.opmodel_kept)
        return layout_document(html, root_box, context, *args)

    def keeping_make_all_pages(context: Any, root_box: Any, html: Any, pages: Any) -> Any:
        kept: _Kept | None = getattr(context, "opmodel_kept", None)
        if kept is None:
            yield from make_all_pages(context, root_box, html, pages)
            return
        if kept.remake_from is not None and not pages:
            # laid out again: the pages before the first changed one are the same
            context.page_maker = kept.page_maker
            context.page_maker[kept.remake_from][-1]["content_changed"] = True
            pages, kept.remake_from = kept.raw_pages, None
        made = []
        for page in make_all_pages(context, root_box, html, pages):
            made.append(page)
            yield _unfinished(page)
        kept.raw_pages, kept.page_maker = made, context.page_maker

    keeping_make_all_pages.keeps_pages = True  # type: ignore[attr-defined]
    weasy_layout.make_all_pages = keeping_make_all_pages
    weasy_document.layout_document = keeping_layout_document


# Text split into lines once per (text, font and text properties, width). WeasyPrint asks Pango
# for the first line of a text each time it meets it: laying out a line, and measuring a table
# cell's narrowest and widest content (word after word); the same names and phrases recur by
# the thousand (squads in swim lanes and tables, "Info" and "Warning" in the findings, the
# same step texts), and a layout of a part that runs on or is balanced meets them again. Of
# 44,000 splits in the large handbook, 17,000 differ. ``split_first_line`` depends only on its
# arguments and on these properties of the style (it reads no other; its Pango layout is let
# go before it returns, keeping the text and the widths): a cached answer is handed out as a
# copy of its ``Layout``, which drawing may change (``reactivate``, an ellipsis).
_SPLIT_PROPERTIES = (
    "direction",
    "font_family",
    "font_feature_settings",
    "font_kerning",
    "font_language_override",
    "font_size",
    "font_stretch",
    "font_style",
    "font_variant_alternates",
    "font_variant_caps",
    "font_variant_east_asian",
    "font_variant_ligatures",
    "font_variant_numeric",
    "font_variant_position",
    "font_variation_settings",
    "font_weight",
    "hyphenate_character",
    "hyphenate_limit_chars",
    "hyphenate_limit_zone",
    "hyphens",
    "lang",
    "letter_spacing",
    "overflow_wrap",
    "tab_size",
    "text_decoration_line",
    "white_space",
    "word_break",
    "word_spacing",
)
# Splits kept per font configuration (one per process and stylesheet): a bound, not a goal (the
# large handbook's largest part makes about 5,000).
SPLITS_KEPT = 100_000


def _frozen(value: Any) -> Any:
    """A property's value as part of a key (``text-decoration-line`` is a set)."""
    if isinstance(value, set):
        return frozenset(value)
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def _cache_splits() -> None:
    from weasyprint.layout import inline, preferred
    from weasyprint.text import line_break

    original = line_break.split_first_line
    if getattr(original, "cached", False):
        return

    def split_first_line(
        text: str,
        style: Any,
        context: Any,
        max_width: Any,
        justification_spacing: Any,
        is_line_start: bool = True,
        minimum: bool = False,
    ) -> Any:
        font_config = style.font_config
        splits: dict[tuple[Any, ...], Any] | None = getattr(font_config, "opmodel_splits", None)
        if splits is None or len(splits) >= SPLITS_KEPT:
            splits = font_config.opmodel_splits = {}
        values = tuple([style[name] for name in _SPLIT_PROPERTIES])
        key = (text, max_width, justification_spacing, is_line_start, minimum, values)
        try:
            found = splits.get(key)
        except TypeError:  # a set (text-decoration-line) or a list among the values
            key = (*key[:-1], tuple([_frozen(value) for value in values]))
            try:
                found = splits.get(key)
            except TypeError:  # a value we do not know how to compare: not kept
                return original(
                    text, style, context, max_width, justification_spacing, is_line_start, minimum
                )
        if found is None:
            found = splits[key] = original(
                text, style, context, max_width, justification_spacing, is_line_start, minimum
            )
        layout, *metrics = found
        return (copy.copy(layout), *metrics)

    split_first_line.cached = True  # type: ignore[attr-defined]
    line_break.split_first_line = split_first_line
    inline.split_first_line = split_first_line  # type: ignore[attr-defined]
    preferred.split_first_line = split_first_line  # type: ignore[attr-defined]


# WeasyPrint's user-agent stylesheet gives every element five pseudo-elements of notes
# (``::footnote-call``, ``::footnote-marker``, ``::note-call``...) and a ``::marker``: a
# computed style for each, six per element, though our PDFs have no notes and only list items
# have markers. Computing the styles was a quarter of a handbook part's layout (journeys' swim
# lanes: 3,300 elements, 0.8 of 2.9 CPU-s). Our PDFs use that stylesheet without the note
# rules and with the markers of list items only; what they look like is the same.
_NOTE_RULES = re.compile(
    r"^::(?:footnote-call|footnote-marker|note-call|note-marker|note-callback)\b.*$", re.M
)
_MARKER_RULE = re.compile(r"^::marker\b", re.M)
_ua: list[Any] = []


def _html_class() -> type:
    from weasyprint import CSS, HTML
    from weasyprint import html as weasy_html
    from weasyprint.css.counters import CounterStyle

    if not _ua:
        text, notes = _NOTE_RULES.subn("", weasy_html.UA)
        text, markers = _MARKER_RULE.subn("li::marker", text)
        if (notes, markers) != (5, 1):  # a WeasyPrint whose stylesheet we do not know
            _ua.append(weasy_html.UA_STYLESHEET)
        else:
            # its counter styles are WeasyPrint's own (UA_COUNTER_STYLE): not defined again
            _ua.append(CSS(string=text, counter_style=CounterStyle()))

    class PdfHtml(HTML):
        """HTML with our user-agent stylesheet (forms are never rendered)."""

        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [_ua[0]]

    return PdfHtml


def layout(html: str, fetches: Fetches | None = None) -> Any:
    """Lay ``html`` out into pages (a WeasyPrint Document) with the PDFs' stylesheet, fetching
    static files only."""
    _offset_page_numbers()
    _compress_faster()
    _keep_layouts()
    _cache_splits()
    record = fetches if fetches is not None else Fetches()
    fetcher = _fetcher_class()(record)
    css, font_config = pdf_stylesheet(fetcher)
    base = Path(settings.BASE_DIR / "static").resolve().as_uri() + "/"
    document = _html_class()(string=mark_long_words(html), base_url=base, url_fetcher=fetcher)
    kept: list[_Kept] = []
    token = _KEEP.set(kept)
    try:
        rendered = document.render(stylesheets=[css], font_config=font_config)
    finally:
        _KEEP.reset(token)
    rendered.opmodel_kept = kept[-1]  # for ``break_before`` and ``layout_again``
    return rendered


def _boxes(box: Any) -> Any:
    yield box
    for child in getattr(box, "children", ()) or ():
        yield from _boxes(child)


def break_before(document: Any, page: int, box: Any) -> None:
    """Force a page break before ``box``, a box laid out on page ``page`` (from 0) of
    ``document``: ``layout_again`` lays it out from that page on."""
    kept: _Kept = document.opmodel_kept
    # The box laid out is a copy of one of the box tree's, with the same style; a style may be
    # shared by elements alike (WeasyPrint shares equal computed styles): the tree's box gets a
    # style of its own.
    made = type(box)
    for original in _boxes(kept.root_box):
        if original.element is box.element and type(original) is made:
            original.style = original.style.copy()
            original.style["break_before"] = "page"
            break
    else:
        raise LookupError(f"no box of {box.element_tag} in the laid-out tree")
    kept.remake_from = page if kept.remake_from is None else min(kept.remake_from, page)


def layout_again(document: Any) -> Any:
    """Lay ``document`` out again after ``break_before``: from the first page it changed on (the
    pages before it, and the pages after it that start where they did, are re-used)."""
    from weasyprint import layout as weasy_layout
    from weasyprint.document import Document, Page

    kept: _Kept = document.opmodel_kept
    if kept.remake_from is None:
        kept.remake_from = 0
    context = kept.context
    context.string_set = defaultdict(lambda: defaultdict(list))  # filled again for every page
    pages = weasy_layout.layout_document(kept.html, kept.root_box, context)
    rendered = Document(
        [Page(page) for page in pages],
        document.metadata,
        document.url_fetcher,
        document.font_config,
        document.color_profiles,
        document.output_intent,
    )
    rendered._html = document._html
    rendered.opmodel_kept = kept
    return rendered


def write(document: Any, fetches: Fetches) -> Rendered:
    return Rendered(
        pdf=document.write_pdf(**PDF_OPTIONS), pages=len(document.pages), fetches=fetches
    )


def html_to_pdf(html: str) -> Rendered:
    fetches = Fetches()
    return write(layout(html, fetches), fetches)
