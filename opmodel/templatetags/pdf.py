"""Template helpers for the PDF templates (core and levels' PDF blocks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from opmodel.exports.weasy import static_file_url

register = template.Library()


@register.simple_tag
def pdf_static(path: str) -> str:
    """A static file as WeasyPrint reads it (a file URL its fetcher allows)."""
    return static_file_url(path)


@dataclass(frozen=True)
class Condensed:
    shown: list[Any]
    more: int

    def __iter__(self) -> Any:
        return iter(self.shown)

    def __len__(self) -> int:
        return len(self.shown) + self.more


@register.filter
def condense(items: Any, limit: int | None) -> Condensed:
    """The first ``limit`` items and how many more there are (all of them for None). A list
    that is cut says so ("+12 more"): nothing disappears silently."""
    items = list(items or [])
    if limit is None or len(items) <= limit:
        return Condensed(items, 0)
    # Showing "+1 more" instead of the one item would save nothing.
    keep = max(1, limit - 1)
    return Condensed(items[:keep], len(items) - keep)


@register.filter
def condense_stages(stages: Any, limit: int | None) -> Condensed:
    """The value journey's stages condensed, never to less than one row of chevrons: a row
    is as tall with eight as with two, so cutting them saves no room ("+6 more stages" on a
    half-empty page, issue 16)."""
    return condense(stages, None if limit is None else max(limit, CHEVRONS_PER_ROW))


@dataclass(frozen=True)
class Chevron:
    number: int = 0
    stage: Any = None
    more: int = 0  # the "+N more stages" chevron
    filler: bool = False  # an empty cell that keeps a short last row's chevrons the same width


CHEVRONS_PER_ROW = 8


@register.filter
def chevron_rows(stages: Any, more: int = 0) -> list[list[Chevron]]:
    """The value journey's stages as rows of at most eight chevrons (numbered in order), the
    "+N more" chevron last; when there is more than one row, the last is padded with empty
    cells so every chevron has the same width."""
    cells = [Chevron(number=i, stage=s) for i, s in enumerate(stages or [], start=1)]
    if more:
        cells.append(Chevron(more=more))
    rows = [cells[i : i + CHEVRONS_PER_ROW] for i in range(0, len(cells), CHEVRONS_PER_ROW)]
    if len(rows) > 1:
        rows[-1] += [Chevron(filler=True)] * (CHEVRONS_PER_ROW - len(rows[-1]))
    return rows


@register.filter
def clip(value: Any, chars: int | None) -> str:
    """A name cut to ``chars`` characters with "…" (as it is for None): the tightest
    densities of the picture keep a 120-character name from taking five lines."""
    text = str(value if value is not None else "")
    if chars is None or len(text) <= chars:
        return text
    return text[: chars - 1].rstrip() + "…"
