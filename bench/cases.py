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
    """The level's largest section's list partial, as the UI asks for it: a section listed per
    parent (a squad's accountabilities, a stage's steps) is only ever requested for one parent
    (``?scope=``), so it is measured for its busiest parent; the others whole."""

    def url(t: Target) -> str:
        from django.db.models import Count

        sections = registry.sections(level)
        largest = max(sections, key=lambda s: s.rows(t.operating_model).count())
        address = reverse(
            "section-list", kwargs={"slug": t.operating_model.slug, "key": largest.slug}
        )
        if largest.scope_field:
            busiest = (
                largest.model._default_manager.filter(operating_model=t.operating_model)
                .values(largest.scope_field)
                .annotate(n=Count("pk"))
                .order_by("-n", largest.scope_field)
                .first()
            )
            if busiest is not None:
                address += f"?scope={busiest[largest.scope_field]}"
        return address

    return url


def _has_url(name: str) -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse(name, kwargs={"slug": "x", "pk": 1})
    except NoReverseMatch:
        return False
    return True


def _row_url(name: str, key: str, most: str) -> Callable[[Target], str]:
    """The page of the row of section ``key`` with the most ``most`` (a related name)."""

    def url(t: Target) -> str:
        from django.db.models import Count

        rows = registry.get(key).rows(t.operating_model)
        row = rows.annotate(n=Count(most)).order_by("-n", "pk").first()
        if row is None:
            raise SystemExit(f"{t.label}: no row of {key} to measure {name} on")
        return reverse(name, kwargs={"slug": t.operating_model.slug, "pk": row.pk})

    return url


def _room_url(t: Target) -> str:
    from workshops.models import Workshop

    workshop = Workshop.objects.filter(operating_model=t.operating_model).order_by("pk").first()
    if workshop is None:
        raise SystemExit(f"{t.label}: no workshop to measure the room on (bench/prepare.py)")
    return reverse("workshop-room", kwargs={"slug": t.operating_model.slug, "pk": workshop.pk})


def _room_section_url(t: Target) -> str:
    """The room's largest section as a browser loads it when it comes into view (the room page
    draws only the focus section; issue 18): the one whose list has the most rows."""
    from workshops.models import Workshop

    workshop = Workshop.objects.filter(operating_model=t.operating_model).order_by("pk").first()
    if workshop is None:
        raise SystemExit(f"{t.label}: no workshop to measure the room on (bench/prepare.py)")

    def size(key: str) -> int:
        section = registry.get(key)
        shown = registry.find(section.shown_in) if section.shown_in else None
        return (shown or section).rows(t.operating_model).count()

    key = max(workshop.sections, key=size)
    args = [t.operating_model.slug, workshop.pk, registry.get(key).slug]
    return reverse("room-section", args=args)


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
        PageCase("versions: timeline (newest changes)", _model_url("timeline")),
        PageCase("versions: compare (last release -> draft)", _model_url("compare")),
        PageCase("workshop room (live workshop)", _room_url),
        PageCase("workshop room: largest section, loaded lazily (htmx)", _room_section_url, True),
    ]
    # Pages of one row: the busiest of its section (the journey with the most steps, the squad
    # that performs the most of them).
    if _has_url("journeys-journey"):
        cases += [
            PageCase(
                "L3 journey swim lanes (largest journey)",
                _row_url("journeys-journey", "journeys.journeys", "stages__steps"),
            ),
            PageCase(
                "L3 a squad's steps everywhere (busiest squad)",
                _row_url("journeys-squad", "teams.squads", "steps_performed"),
            ),
        ]
    if _has_url("teams-squad"):
        cases.append(
            PageCase(
                "L2 squad page (busiest squad)", _row_url("teams-squad", "teams.squads", "people")
            )
        )
    levels = sorted({s.level for s in registry.sections()})
    cases += [
        PageCase(
            f"L{level} largest section partial (htmx, as the UI asks)",
            _largest_section_url(level),
            True,
        )
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


PLANNED: list[Planned] = []


def pending() -> list[tuple[Planned, bool]]:
    """Every planned measurement, with whether its feature seems to have landed (then its
    case is what is missing)."""
    return [(planned, planned.landed()) for planned in PLANNED]
