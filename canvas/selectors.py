"""Reads for the canvas pages: a fixed number of queries whatever the model's size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opmodel.models import OperatingModel
from opmodel.registry import Section, registry
from opmodel.versions import document_rows

from .models import Lifecycle, MetricCategory, PrincipleGroup


@dataclass
class CanvasData:
    sections: dict[str, Section]
    purpose: Any
    stages: list[Any]
    metrics: list[Any]
    principles: list[Any]
    technologies: list[Any]
    skills: list[Any]

    @property
    def north_star(self) -> Any:
        return next((m for m in self.metrics if m.is_north_star), None)

    def metrics_by_category(self) -> list[tuple[str, str, list[Any]]]:
        return [
            (c.value, c.label, [m for m in self.metrics if m.category == c.value])
            for c in MetricCategory
        ]

    def principles_by_group(self) -> list[tuple[str, str, list[Any]]]:
        return [
            (g.value, g.label, [p for p in self.principles if p.group == g.value])
            for g in PrincipleGroup
        ]

    def technologies_by_lifecycle(self) -> list[tuple[str, str, list[Any]]]:
        return [
            (c.value, c.label, [t for t in self.technologies if t.lifecycle == c.value])
            for c in Lifecycle
        ]


def canvas_data(
    operating_model: OperatingModel,
    document: dict[str, Any] | None = None,
    *,
    built: dict[str, list[Any]] | None = None,
) -> CanvasData:
    """Level 1 of the live draft, or of ``document`` (a release's snapshot): then the rows are
    built from the document alone, without a query, and draw exactly like the draft's.
    ``built``: the document's rows when the caller has them already (a PDF's source: building
    a large model's rows again took a tenth of a second per picture)."""
    sections = {s.key.split(".", 1)[1]: s for s in registry.sections(level=1)}
    if built is not None or document is not None:
        built = built if built is not None else document_rows(document or {})
        rows = {name: built.get(section.key, []) for name, section in sections.items()}
    else:
        # the canvas and its picture never show when a row was made or last changed: not
        # reading those two datetimes is a fifth of building the large model's 500 rows
        # (a page that showed them would query per row: the pinned query counts would say so)
        rows = {
            name: list(section.rows(operating_model).defer("created_at", "updated_at"))
            for name, section in sections.items()
        }
    return CanvasData(
        sections=sections,
        purpose=rows["purpose"][0] if rows["purpose"] else None,
        stages=rows["stages"],
        metrics=rows["metrics"],
        principles=rows["principles"],
        technologies=rows["technologies"],
        skills=rows["skills"],
    )
