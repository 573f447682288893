"""Rendering the PDFs: the picture on a page, the handbook and registered subjects (a
workshop's summary). Plain functions of a ``PdfSource``; storing and progress are the
services' business (``opmodel.services.exports``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from opmodel.registry import PdfBlock, registry

from .sources import DENSITIES, PdfSource
from .weasy import Fetches, Rendered, html_to_pdf, layout, write

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


def picture_html(source: PdfSource) -> str:
    blocks = render_blocks(source, "picture")
    return render_to_string(
        "exports/picture.html",
        {
            "source": source,
            "main": [b for b in blocks if b.block.in_main_area],
            "side": [b for b in blocks if not b.block.in_main_area],
        },
    )


# Where to start looking for the density that fits, by the rows of Level 1 (the main area): a
# big model laid out at full size takes many pages and most of the render time (measured: 31 s
# for 500 rows at density 0, against 1.3 s at density 2), so it starts tighter. The layout
# still decides: the first density whose page count is 1 wins.
START_AT = ((90, 0), (200, 1), (350, 2))


def first_density(source: PdfSource) -> int:
    rows = sum(len(source.rows.get(s.key, [])) for s in registry.sections(level=1))
    return next((level for most, level in START_AT if rows <= most), 3)


def picture_pdf(source: PdfSource, progress: Progress = _quiet) -> Rendered:
    """One landscape A3 page, whatever the model's size: laid out at the most generous density
    that can fit, then tighter (smaller type, shorter lists ending in "+N more") until it does.
    """
    start = first_density(source)
    for step, density in enumerate(DENSITIES[start:]):
        fetches = Fetches()
        document = layout(picture_html(source.at(density)), fetches)
        progress(min(85, 20 + step * 15))
        if len(document.pages) == 1:
            return write(document, fetches)
    raise PictureDoesNotFit(
        f"the picture on a page of {source.name} does not fit one page even at its tightest"
    )


@dataclass(frozen=True)
class Chapter:
    title: str
    anchor: str
    level: int | None = None


def handbook_html(source: PdfSource) -> str:
    blocks = render_blocks(source, "handbook")
    chapters = [Chapter(b.block.title, b.block.anchor, b.block.level) for b in blocks]
    chapters.append(Chapter("Health findings", "ch-health"))
    chapters.append(Chapter("Release notes and changes", "ch-release"))
    return render_to_string(
        "exports/handbook.html", {"source": source, "blocks": blocks, "chapters": chapters}
    )


def handbook_pdf(source: PdfSource, progress: Progress = _quiet) -> Rendered:
    """The whole model: cover, contents with page numbers, every level in full, health, the
    release notes and what changed since the previous release; page numbers, running heads."""
    html = handbook_html(source)
    progress(30)
    fetches = Fetches()
    document = layout(html, fetches)
    progress(85)
    return write(document, fetches)


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
