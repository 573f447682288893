"""Template helpers for Level 3: they format what the views give the partials (the data comes
from ``journeys.partials`` through ``Section.partial_context``); none of them queries."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from opmodel.registry import Section, registry
from opmodel.rows import Rows, safe

from .. import rows

register = template.Library()


@register.simple_tag
def journeys_sections() -> dict[str, Section]:
    """Level 3's sections by short name (``stages``, ``steps``) for partials rendered alone."""
    return {s.key.split(".", 1)[1]: s for s in registry.sections(level=3)}


@register.simple_tag(takes_context=True)
def pain_rows(context: template.Context, group: Any) -> SafeString:
    """``{% pain_rows group %}``: the rows of one journey's pain points table, drawn in Python
    (``journeys.rows.pain_rows``) as the page's ``pain-row`` partial draws each."""
    return safe(rows.pain_rows(context.get("request"), context["om"].slug, group))


@register.simple_tag(takes_context=True)
def lane_cells(context: template.Context, cells: Any) -> SafeString:
    """``{% lane_cells column.cells %}``: a stage column's lanes and their step cards, drawn in
    Python (``journeys.rows.lane_cells``) as the ``lane-cell`` partial draws each lane."""
    return safe(rows.lane_cells(Rows(context, context["section"]), cells))


@register.simple_tag
def twin_stages(columns: Any) -> SafeString:
    """``{% twin_stages map.columns %}``: the swim lanes as a table, drawn in Python
    (``journeys.rows.twin_stages``) as the ``twin-stage`` partial draws each stage."""
    return safe(rows.twin_stages(columns))
