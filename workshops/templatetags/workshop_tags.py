from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def avatar(user_id: Any) -> int:
    """One of eight avatar colours, stable per person."""
    try:
        return int(user_id) % 8
    except (TypeError, ValueError):
        return 0


@register.filter
def section_slug(key: str) -> str:
    return key.replace(".", "-")


@register.filter
def dots(n: Any) -> range:
    try:
        return range(min(int(n), 20))
    except (TypeError, ValueError):
        return range(0)


@register.simple_tag
def may(wa: Any, action: str, obj: Any = None) -> bool:
    """``{% may wa "delete_note" note as allowed %}``: ``WorkshopAccess.may`` in a template, so
    a template shows a control by the same rule the view enforces."""
    return bool(wa.may(action, obj))
