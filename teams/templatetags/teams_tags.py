"""Template helpers for Level 2. The list partials fetch their own data through these tags, so
a partial rendered alone (by the core's generic views, or for a live update) is complete."""

from __future__ import annotations

from typing import Any

from django import template

from opmodel.access import Access

from .. import selectors
from ..models import MODE_HINTS, Interaction, Mode
from ..rules import led_squads, may_change_squad

register = template.Library()


@register.simple_tag
def squads_grid(operating_model: Any) -> list[selectors.TypeRow]:
    return selectors.squads_overview(operating_model)


@register.simple_tag
def modes() -> list[tuple[str, str, str]]:
    return [(m.value, m.label, MODE_HINTS[m]) for m in Mode]


@register.simple_tag
def accountability_matrix(operating_model: Any, access: Access) -> selectors.Matrix:
    return selectors.matrix(operating_model, access)


@register.simple_tag
def joined_interactions(operating_model: Any, squad_id: Any) -> list[Interaction]:
    """Interactions other squads start with this one (shown beside the ones it starts)."""
    if not squad_id:
        return []
    return list(Interaction.objects.filter(operating_model=operating_model, partner_id=squad_id))


@register.simple_tag
def may_change(access: Access, squad_id: Any) -> bool:
    """May this user change what belongs to the squad (its people, cells, interactions)?"""
    return may_change_squad(access, squad_id)


@register.simple_tag
def leads(access: Access) -> frozenset[int]:
    return led_squads(access)
