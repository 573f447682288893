"""Exports fixtures: PDFs rendered once per module (rendering is slow), text and pages read
back with poppler (pdftotext, pdfinfo, pdftoppm), PNGs kept in test-artifacts/ to look at."""

from __future__ import annotations

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
        args = ["pdftotext"]
        if page is not None:
            args += ["-f", str(page), "-l", str(page)]
        return subprocess.run(
            [*args, str(self.path), "-"], check=True, capture_output=True, text=True
        ).stdout

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


def words_of(path: Path) -> tuple[list[tuple[float, float]], list[Word]]:
    """Every word of the PDF with its box (``pdftotext -bbox-layout``), and each page's size."""
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
    PDFs are rendered in test_pdfs.py and by the worker test). Records what it was asked."""
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
