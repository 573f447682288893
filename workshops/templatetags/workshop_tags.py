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
