from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

PURPOSE_FIELDS = [
    ("mission", "Mission", "Why do we exist? Add the mission."),
    ("vision", "Vision", "What do we aim to achieve? Add the vision."),
    ("overview", "Overview", "Describe the operating model in a few sentences."),
]


@register.filter
def purpose_fields(purpose: Any) -> list[tuple[str, str, str, str]]:
    """(field, label, text, empty-state hint) for the mission/vision band."""
    if purpose is None:
        return []
    return [(name, label, getattr(purpose, name), hint) for name, label, hint in PURPOSE_FIELDS]
