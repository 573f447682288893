"""What the benchmark measures, as lists that grow with the app.

Page cases come from the section registry where they can: every registered page (Level 1's
canvas and picture today; Level 2's and Level 3's pages once those apps register them) is
measured without touching this file, and so is the largest section of each level as an htmx
partial refresh. Fixed cases cover the core's own pages.

``PLANNED`` lists the measurements the issue asks for that need features which do not exist
yet. Each names how to tell the feature has landed; until then the run prints it as pending.
When a feature lands, add its case (here, or a step in ``bench/__main__.py``) and drop its line.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from opmodel.registry import registry


@dataclass(frozen=True)
class Target:
    """One model to measure pages on, and the rows its item pages show."""

    label: str  # "demo" or "large"
    operating_model: Any
    busiest: tuple[Any, Any]  # (section, row) with the most history


@dataclass(frozen=True)
class PageCase:
    name: str
    url: Callable[[Target], str]
    htmx: bool = False
    floor: bool = False


def _model_url(name: str, **extra: Any) -> Callable[[Target], str]:
    return lambda t: reverse(name, kwargs={"slug": t.operating_model.slug, **extra})


def _busiest_url(name: str, query: str = "") -> Callable[[Target], str]:
    def url(t: Target) -> str:
        section, row = t.busiest
        kwargs = {"slug": t.operating_model.slug, "key": section.slug, "pk": row.pk}
        return reverse(name, kwargs=kwargs) + query

    return url


def _largest_section_url(level: int) -> Callable[[Target], str]:
    def url(t: Target) -> str:
        sections = registry.sections(level)
        largest = max(sections, key=lambda s: s.rows(t.operating_model).count())
        return reverse("section-list", kwargs={"slug": t.operating_model.slug, "key": largest.slug})

    return url


FLOOR = PageCase("floor (1 query, authenticated)", _model_url("bench-floor"), floor=True)


def page_cases() -> list[PageCase]:
    """Every page case available in this build of the app."""
    cases = [FLOOR, PageCase("dashboard", lambda t: reverse("dashboard"))]
    cases += [
        PageCase(f"L{page.level} {page.title.lower()}", _model_url(page.url_name))
        for page in registry.pages()
    ]
    cases += [
        PageCase("health", _model_url("model-health")),
        PageCase("item history (busiest item)", _busiest_url("part-history")),
        PageCase("item partial (htmx)", _busiest_url("part-detail"), htmx=True),
        PageCase("edit form (htmx)", _busiest_url("part-edit", "?field=name"), htmx=True),
    ]
    levels = sorted({s.level for s in registry.sections()})
    cases += [
        PageCase(f"L{level} largest section partial (htmx)", _largest_section_url(level), True)
        for level in levels
    ]
    return cases


def _module_exists(name: str) -> Callable[[], bool]:
    return lambda: importlib.util.find_spec(name) is not None


def _level_has_pages(level: int) -> Callable[[], bool]:
    return lambda: any(p.level == level for p in registry.pages())


@dataclass(frozen=True)
class Planned:
    what: str
    landed: Callable[[], bool]
    needs: str


PLANNED = [
    Planned(
        "Level 2 pages (60 squads, 300 capabilities, full accountability matrix)",
        _level_has_pages(2),
        "teams registers its pages and `bench/largemodel.py` FACTORIES gains its sections",
    ),
    Planned(
        "Level 3 pages (20 journeys x 6 stages x 10 steps)",
        _level_has_pages(3),
        "journeys registers its pages and FACTORIES gains its sections",
    ),
    Planned(
        "Workshop room with 30 participants (notes, votes, presence)",
        _module_exists("workshops.models"),
        "workshops exist; replaces the 30-editor load as the workshop measurement",
    ),
    Planned(
        "PDF: picture on a page (A3) and handbook, queued to rendered",
        _module_exists("opmodel.pdf"),
        "PDF export jobs land",
    ),
]


def pending() -> list[tuple[Planned, bool]]:
    """Every planned measurement, with whether its feature seems to have landed (then its
    case is what is missing)."""
    return [(planned, planned.landed()) for planned in PLANNED]
