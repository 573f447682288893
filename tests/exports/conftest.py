"""Exports fixtures: PDFs read back with poppler (pdftotext, pdfinfo, pdftoppm) and pypdf, each
file read once however many checks look at it; PNGs kept in test-artifacts/ to look at. The
PDFs themselves are rendered once per module (tests/exports/pdfs.py, test_pdfs_*.py)."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from opmodel.exports import Fetches, Rendered
from tests.conftest import require

# The checks every PDF gets live there, asserts and all: pytest explains them as it does a test's.
pytest.register_assert_rewrite("tests.exports.pdfs")

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def need_poppler() -> None:
    require(
        all(shutil.which(tool) for tool in ("pdftotext", "pdfinfo", "pdftoppm")),
        "poppler-utils (pdftotext, pdfinfo, pdftoppm) is not installed",
    )


@dataclass
class Pdf:
    """A rendered PDF on disk, read back the way a reader would."""

    path: Path
    pages: int

    def text(self, page: int | None = None) -> str:
        """The text of the PDF, or of one page (what ``pdftotext -f page -l page`` gives: the
        page's text and its form feed). pdftotext runs once per file, not once per page."""
        pages = _text_of(*_stamp(self.path))
        if page is None:
            return "".join(pages)
        return pages[page - 1]

    def info(self) -> dict[str, str]:
        out = subprocess.run(
            ["pdfinfo", str(self.path)], check=True, capture_output=True, text=True
        ).stdout
        return {
            k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())
        }

    def png(self, name: str, *, first: int = 1, last: int = 1, dpi: int = 50) -> list[Path]:
        """Render pages to PNG in test-artifacts/ (to look at)."""
        ARTIFACTS.mkdir(exist_ok=True)
        prefix = ARTIFACTS / name
        for old in ARTIFACTS.glob(f"{name}-*.png"):
            old.unlink()  # an earlier run's pages
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(dpi), "-f", str(first), "-l", str(last)]
            + [str(self.path), str(prefix)],
            check=True,
        )
        return sorted(ARTIFACTS.glob(f"{name}*.png"))


MM = 72 / 25.4  # PDF points per millimetre
# pdftotext's word boxes are as high as the font's ascent plus descent: 1.21 em for Inter (1.16
# for the symbols from DejaVu Sans). A box lower than this came from type under 7 pt.
MIN_WORD_HEIGHT = 7 * 1.16


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def _stamp(path: Path) -> tuple[Path, int, int]:
    """A file as a cache key: its path, and its size and time, which a rewrite changes."""
    stat = path.stat()
    return path, stat.st_mtime_ns, stat.st_size


@functools.cache
def _text_of(path: Path, _mtime: int, _size: int) -> list[str]:
    """The PDF's text page by page, each ending in pdftotext's form feed."""
    out = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [page + "\f" for page in out.split("\f")[:-1]]


def words_of(path: Path) -> tuple[list[tuple[float, float]], list[Word]]:
    """Every word of the PDF with its box (``pdftotext -bbox-layout``), and each page's size.
    Read once per file: the checks below each ask for them (the large handbook's take a few
    seconds of CPU); the lists are shared, never to be changed."""
    return _words_of(*_stamp(path))


@functools.cache
def _words_of(path: Path, _mtime: int, _size: int) -> tuple[list[tuple[float, float]], list[Word]]:
    import xml.etree.ElementTree as ET

    out = subprocess.run(
        ["pdftotext", "-bbox-layout", str(path), "-"], check=True, capture_output=True
    ).stdout
    root = ET.fromstring(out)  # noqa: S314 - poppler's output for a PDF the test rendered
    ns = "{http://www.w3.org/1999/xhtml}"
    sizes, words = [], []
    for number, page in enumerate(root.iter(f"{ns}page"), start=1):
        sizes.append((float(page.get("width")), float(page.get("height"))))
        for w in page.iter(f"{ns}word"):
            box = [float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")]
            words.append(Word(number, w.text or "", *box))
    return sizes, words


def overlapping(words: list[Word]) -> list[tuple[Word, Word]]:
    """Pairs of words of the same page whose boxes overlap (not merely touch: the boxes are
    trimmed by a fifth of their height, what ascenders and descenders of lines set close may
    share, and by half a point at the sides). A sweep along x: fast enough for 200 pages."""
    found = []
    by_page: dict[int, list[Word]] = {}
    for w in words:
        by_page.setdefault(w.page, []).append(w)
    for page_words in by_page.values():
        boxes = sorted(
            (
                (w.x0 + 0.5, w.y0 + w.height * 0.2, w.x1 - 0.5, w.y1 - w.height * 0.2, w)
                for w in page_words
                if w.text.strip()
            ),
            key=lambda b: b[0],
        )
        active: list[tuple] = []
        for box in boxes:
            active = [a for a in active if a[2] > box[0]]
            found.extend((a[4], box[4]) for a in active if a[1] < box[3] and box[1] < a[3])
            active.append(box)
    return found


def layout_problems(path: Path, *, sides: float, top: float, bottom: float) -> dict[str, list]:
    """What a reader would see as broken: words on top of each other, words outside the page's
    margins (``sides``, ``top``, ``bottom`` in mm from the paper's edges), type under 7 pt."""
    sizes, words = words_of(path)
    outside = []
    for w in words:
        width, height = sizes[w.page - 1]
        if (
            w.x0 < sides * MM - 0.5
            or w.x1 > width - sides * MM + 0.5
            or w.y0 < top * MM - 0.5
            or w.y1 > height - bottom * MM + 0.5
        ):
            outside.append(w)
    return {
        "overlapping": overlapping(words),
        "outside the margins": outside,
        "under 7 pt": [w for w in words if w.text.strip() and w.height < MIN_WORD_HEIGHT],
        "words": words,
    }


def keep(rendered: Rendered, directory: Path, name: str) -> Pdf:
    path = directory / f"{name}.pdf"
    path.write_bytes(rendered.pdf)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(path, ARTIFACTS / f"{name}.pdf")
    return Pdf(path, rendered.pages)


FAKE_PDF = b"%PDF-1.4\n% opmodel test stand-in\n%%EOF\n"


@pytest.fixture
def fake_render(monkeypatch):
    """Stand in for WeasyPrint where a test is about the export's life, not its pages (real
    PDFs are rendered in test_pdfs*.py and by the worker test). Records what it was asked."""
    calls: list[tuple] = []

    def render(operating_model, kind, *, release=None, subject_id=0, progress=None):
        calls.append((operating_model.pk, kind, getattr(release, "number", None), subject_id))
        if progress is not None:
            progress(40)
            progress(80)
        return Rendered(FAKE_PDF, 1, Fetches())

    monkeypatch.setattr("opmodel.exports.render_pdf", render)
    return calls


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """Point the Celery app at ``url`` (not eager) for a while, and back. Celery caches its
    connection and producer pools: both are dropped on the way in and out."""
    from opmodel.celery import app

    old = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}

    def reset() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.update(broker_url=url, task_always_eager=False)
    reset()
    try:
        yield
    finally:
        app.conf.update(old)
        reset()


# ---------- tagged PDF (issue 20): what a screen reader reads ----------


@dataclass
class Tags:
    """A PDF's catalog and structure tree, read back with pypdf."""

    marked: bool
    lang: str
    title: str
    display_title: bool
    kinds: dict[str, int]  # structure types (H1, Table, Figure...) and how many of each
    figures_alt: list[str]  # each Figure's /Alt ("" when it has none)
    problems: list[str]  # pages whose marked content is not tied into the tree


def _name(value: object) -> str:
    return str(value).lstrip("/")


def tags_of(path: Path) -> Tags:
    """Walk the structure tree from the catalog; then check, page by page, that every marked
    content sequence (MCID) of the page's content is mapped by the parent tree to an element
    that hangs in that tree (a join that dropped or misnumbered a part's tree fails here).
    Read once per file."""
    return _tags_of(*_stamp(path))


@functools.cache
def _tags_of(path: Path, _mtime: int, _size: int) -> Tags:
    from pypdf import PdfReader

    reader = PdfReader(path)
    catalog = reader.trailer["/Root"]
    kinds: dict[str, int] = {}
    alts: list[str] = []
    in_tree: set[int] = set()
    root = catalog.get("/StructTreeRoot")
    problems: list[str] = []
    if root is None:
        problems.append("no StructTreeRoot")
    else:
        root = root.get_object()
        stack = list(root["/K"]) if isinstance(root["/K"], list) else [root["/K"]]
        while stack:
            ref = stack.pop()
            element = ref.get_object()
            if not hasattr(element, "get") or element.get("/Type") == "/OBJR":
                continue
            if ref.idnum in in_tree:
                problems.append(f"element {ref.idnum} twice in the tree")
                continue
            in_tree.add(ref.idnum)
            kind = _name(element["/S"])
            kinds[kind] = kinds.get(kind, 0) + 1
            if kind == "Figure":
                alts.append(str(element.get("/Alt", "")))
            kids = element.get("/K", [])
            kids = kids if isinstance(kids, list) else [kids]
            stack.extend(k for k in kids if hasattr(k, "idnum"))
        nums = root["/ParentTree"].get_object()["/Nums"]
        parents = {int(nums[i]): nums[i + 1].get_object() for i in range(0, len(nums), 2)}
        for number, page in enumerate(reader.pages, start=1):
            content = page.get_contents()
            mcids = re.findall(rb"/MCID (\d+)", content.get_data() if content else b"")
            if "/StructParents" not in page:
                problems.append(f"page {number}: no StructParents")
                continue
            mapped = parents.get(int(page["/StructParents"]))
            if mapped is None or len(mapped) < len(mcids):
                problems.append(f"page {number}: {len(mcids)} MCIDs, parent tree maps fewer")
                continue
            for mcid in mcids:
                ref = mapped[int(mcid)]
                if getattr(ref, "idnum", None) not in in_tree:
                    problems.append(f"page {number}: MCID {int(mcid)} outside the tree")
                    break
    info = reader.metadata or {}
    prefs = catalog.get("/ViewerPreferences", {})
    return Tags(
        marked=bool(catalog.get("/MarkInfo", {}).get("/Marked", False)),
        lang=str(catalog.get("/Lang", "")),
        title=str(info.get("/Title", "")),
        display_title=bool(prefs.get("/DisplayDocTitle", False)),
        kinds=kinds,
        figures_alt=alts,
        problems=problems,
    )


# ---------- words broken into fragments ----------

# A name longer than this without a space cannot fit a column: it may break anywhere (and is
# tested to). Any shorter word that comes out of a PDF in pieces was broken by the layout.
UNBREAKABLE = 25
_EDGES = "\"'“”‘’()[]{}.,;:!?…·—–-→←★⚠+*/%&#|<>="


def _plain(word: str) -> str:
    return word.strip(_EDGES).lower()


def source_words(html: str) -> set[str]:
    """The words a PDF made from ``html`` may show: its text and the attributes that the
    stylesheet puts on the page (running heads, chapter names), and the stylesheet's own
    generated text (``content: "Page "``)."""
    import html as html_module

    from django.contrib.staticfiles import finders

    attributes = " ".join(re.findall(r'data-(?:model|title)="([^"]*)"', html))
    text = re.sub(r"<style.*?</style>|<[^>]+>", " ", html, flags=re.S)
    css = Path(str(finders.find("css/pdf.css"))).read_text(encoding="utf-8")
    generated = " ".join(re.findall(r'content:\s*"([^"]*)"', css))
    everything = html_module.unescape(f"{text} {attributes}") + " " + generated
    words = {_plain(w) for w in everything.split()} - {""}
    # A line may break after a hyphen or a slash of the word itself ("X-as-a-" "service",
    # "CI/" "CD"): those runs of it are words too.
    for word in [w for w in words if re.search(r"\w[-/]\w", w)]:
        parts = re.split(r"(?<=[-/])", word)
        words.update(
            _plain("".join(parts[i:j]))
            for i in range(len(parts))
            for j in range(i + 1, len(parts) + 1)
        )
    return words


def fragments(path: Path, html: str) -> list[Word]:
    """Words of the PDF that are not words of its source: a word broken in two ("Sustain-"
    "ability", "Per-sonal-isation"). Numbers and punctuation (page numbers, leaders) are left
    out; so are the pieces of the source's words too long for any column (``UNBREAKABLE``)."""
    _sizes, words = words_of(path)
    known = source_words(html)
    long_words = [w for w in known if len(w) > UNBREAKABLE]
    found = []
    for w in words:
        plain = _plain(w.text)
        if len(plain) < 2 or not re.search(r"[a-z]", plain) or plain in known:
            continue
        if any(plain in long for long in long_words):
            continue
        found.append(w)
    return found


# ---------- pages left mostly empty ----------

# The handbook's page margins (static/css/pdf.css: @page and @page lanes), in mm: the running
# heads and page numbers sit in them; the body is between.
PAGE_MARGINS = {"portrait": (22, 20), "landscape": (18, 16)}
MOSTLY_EMPTY = 1 / 3


def _body(sizes: list[tuple[float, float]], words: list[Word], number: int) -> tuple:
    width, height = sizes[number - 1]
    top, bottom = PAGE_MARGINS["landscape" if width > height else "portrait"]
    body_top, body_bottom = top * MM, height - bottom * MM
    inside = [
        w for w in words if w.page == number and w.y0 >= body_top - 1 and w.y1 <= body_bottom + 1
    ]
    return body_top, body_bottom, inside


def page_fill(path: Path) -> list[float]:
    """How far down each page's body its text reaches, as a share of the body's height
    (0: nothing under the running head; 1: down to the page number's margin)."""
    sizes, words = words_of(path)
    fills = []
    for number in range(1, len(sizes) + 1):
        body_top, body_bottom, inside = _body(sizes, words, number)
        lowest = max((w.y1 for w in inside), default=body_top)
        fills.append((lowest - body_top) / (body_bottom - body_top))
    return fills


# A chapter's title is set at 22 pt (a word's box is 1.16-1.21 em high); body text and the
# other headings at 13 pt or less.
CHAPTER_TITLE_HEIGHT = 20 * 1.16


def starts_chapter(path: Path) -> list[bool]:
    """Whether each page's body begins with a chapter's title (a chapter starts a page)."""
    sizes, words = words_of(path)
    starts = []
    for number in range(1, len(sizes) + 1):
        _top, _bottom, inside = _body(sizes, words, number)
        first = min(inside, key=lambda w: (w.y0, w.x0), default=None)
        starts.append(first is not None and first.height >= CHAPTER_TITLE_HEIGHT)
    return starts


def mostly_empty_pages(path: Path, *, front_matter: int = 2) -> list[tuple[int, float]]:
    """Pages left mostly empty by a forced page break: the page's text ends in the top third
    of its body and the next page begins a chapter or turns (portrait to landscape or back:
    a page of another size always starts a page). The front matter (the cover and the
    contents, pages of their own by design) is left out."""
    fills, starts = page_fill(path), starts_chapter(path)
    sizes, _words = words_of(path)
    turns = [(a[0] > a[1]) != (b[0] > b[1]) for a, b in zip(sizes, sizes[1:], strict=False)] + [
        False
    ]
    return [
        (number, round(fill, 2))
        for number, fill in enumerate(fills, start=1)
        if front_matter < number < len(fills)
        and fill < MOSTLY_EMPTY
        and (starts[number] or turns[number - 1])
    ]


# ---------- the picture on a page: cut only when the page is full ----------

# A list cut ("+12 more in the handbook", "+6 more stages") while its column has more free
# space than this at its bottom, in mm, was cut too soon: the column could have shown more.
CUT_ROOM_MM = 20
# The picture's footer sits in its bottom margin (11 mm): what is above it is the columns'.
PICTURE_FOOTER_MM = 11
_CUT = re.compile(r"^\+\d+$")


def _gutter(words: list[Word], width: float) -> float:
    """The x of the widest vertical strip between the main area and the side column (from
    55 % to 85 % of the page's width) that no word of the body crosses."""
    covered = sorted((w.x0, w.x1) for w in words if w.x1 > width * 0.55 and w.x0 < width * 0.85)
    best, best_gap, edge = width * 0.7, 0.0, width * 0.55
    for x0, x1 in covered:
        if x0 - edge > best_gap:
            best, best_gap = (edge + x0) / 2, x0 - edge
        edge = max(edge, x1)
    return best


def cut_too_soon(path: Path) -> list[tuple[str, str, float]]:
    """The picture's cut lists ("+N more") whose column (the main area, or the side column)
    has more than ``CUT_ROOM_MM`` of free space under its last word: (column, what was cut,
    the free space in mm). Read with ``pdftotext -bbox-layout``: the columns are split at
    the gutter between them, their room ends where the footer's margin begins."""
    sizes, words = words_of(path)
    width, height = sizes[0]
    floor = height - PICTURE_FOOTER_MM * MM
    body = [w for w in words if w.page == 1 and w.text.strip() and w.y1 <= floor]
    gutter = _gutter(body, width)
    lowest = {
        "main": max((w.y1 for w in body if w.x1 <= gutter), default=0.0),
        "side": max((w.y1 for w in body if w.x0 >= gutter), default=0.0),
    }
    found = []
    for i, w in enumerate(body):
        if _CUT.match(w.text) and i + 1 < len(body) and body[i + 1].text == "more":
            column = "main" if w.x1 <= gutter else "side"
            room = (floor - lowest[column]) / MM
            if room > CUT_ROOM_MM:
                found.append((column, f"{w.text} more", round(room, 1)))
    return found
