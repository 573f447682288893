"""PDF exports: the picture on a page, the handbook and registered subjects (a workshop's
summary), rendered with WeasyPrint from a release's snapshot or the live draft.

- ``render_pdf(operating_model, kind, release=None, subject_id=0)`` renders one (in a worker:
  it holds the whole document in memory); ``pdf_source`` is what the templates draw from.
- Levels contribute through the registry: ``registry.register_pdf_block(PdfBlock(...))``
  (their part of the picture and a handbook chapter), apps through
  ``registry.register_export_subject(ExportSubject(...))``.
- The ``Export`` records, their task and the download live in ``opmodel.services.exports``,
  ``opmodel.tasks`` and ``opmodel.views.exports``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .pdfs import (
    PictureDoesNotFit,
    Progress,
    handbook_html,
    handbook_pdf,
    picture_html,
    picture_pdf,
    subject_pdf,
)
from .sources import DENSITIES, Density, PdfSource, pdf_source
from .weasy import Fetches, Rendered, html_to_pdf

if TYPE_CHECKING:
    from opmodel.models import OperatingModel, Release

PICTURE = "picture"
HANDBOOK = "handbook"


def _quiet(_percent: int) -> None:
    return None


def render_pdf(
    operating_model: OperatingModel,
    kind: str,
    *,
    release: Release | None = None,
    subject_id: int = 0,
    progress: Progress = _quiet,
) -> Rendered:
    """One PDF of ``kind`` ("picture", "handbook" or a registered subject such as
    "workshop") of the release, or of the live draft when ``release`` is None."""
    if kind == PICTURE:
        source = pdf_source(operating_model, release)
        progress(15)
        return picture_pdf(source, progress)
    if kind == HANDBOOK:
        source = pdf_source(operating_model, release, with_diff=True)
        progress(15)
        return handbook_pdf(source, progress)
    return subject_pdf(operating_model, kind, subject_id, progress)


__all__ = [
    "DENSITIES",
    "HANDBOOK",
    "PICTURE",
    "Density",
    "Fetches",
    "PdfSource",
    "PictureDoesNotFit",
    "Rendered",
    "handbook_html",
    "handbook_pdf",
    "html_to_pdf",
    "pdf_source",
    "picture_html",
    "picture_pdf",
    "render_pdf",
    "subject_pdf",
]
