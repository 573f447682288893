"""Template helpers for Level 3: they format what the views give the partials (the data comes
from ``journeys.partials`` through ``Section.partial_context``); none of them queries."""

from __future__ import annotations

from django import template

from opmodel.registry import Section, registry

register = template.Library()


@register.simple_tag
def journeys_sections() -> dict[str, Section]:
    """Level 3's sections by short name (``stages``, ``steps``) for partials rendered alone."""
    return {s.key.split(".", 1)[1]: s for s in registry.sections(level=3)}
