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
