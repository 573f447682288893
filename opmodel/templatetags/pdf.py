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
