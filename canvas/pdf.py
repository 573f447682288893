"""Level 1's blocks of the PDF exports: the canvas on the picture on a page, and in full in the
handbook. Drawn from the version's document (a release exactly as published)."""

from __future__ import annotations

from typing import Any

from opmodel.registry import PdfBlock, registry

from .selectors import canvas_data


def _context(source: Any) -> dict[str, Any]:
    cached = source.extra.get("canvas")
    if cached is None:
        cached = source.extra["canvas"] = canvas_data(source.operating_model, built=source.rows)
    return {"canvas": cached}


def register() -> None:
    registry.register_pdf_block(
        PdfBlock(
            key="canvas",
            kind="picture",
            title="Operating canvas",
            level=1,
            template="canvas/pdf.html#picture",
            context=_context,
        )
    )
    registry.register_pdf_block(
        PdfBlock(
            key="canvas",
            kind="handbook",
            title="Operating canvas",
            level=1,
            template="canvas/pdf.html#handbook",
            context=_context,
        )
    )
