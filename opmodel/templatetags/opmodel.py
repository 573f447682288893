"""Template helpers shared by every level's pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from opmodel.registry import Section, registry

register = template.Library()


@register.simple_tag
def model_pages(operating_model: Any) -> list[dict[str, str]]:
    """The model's pages, from the registry, for the navigation bar."""
    return [
        {"title": page.title, "url": reverse(page.url_name, kwargs={"slug": operating_model.slug})}
        for page in registry.pages()
    ]


@register.filter
def grouped(rows: Any, section: Section) -> list[tuple[str, str, list[Any]]]:
    """Rows grouped by the section's ``group_field``, every choice listed, in choice order."""
    field = section.model._meta.get_field(section.group_field)
    rows = list(rows)
    return [
        (value, label, [r for r in rows if getattr(r, section.group_field) == value])
        for value, label in field.choices
    ]


@register.simple_tag
def part_url(name: str, operating_model: Any, section: Section, item: Any = None) -> str:
    kwargs: dict[str, Any] = {"slug": operating_model.slug, "key": section.slug}
    if item is not None:
        kwargs["pk"] = item.pk
    return reverse(name, kwargs=kwargs)


@register.filter
def finding_anchor(finding: Any) -> str:
    """The DOM id a health finding points at: the row if it names one, else its section."""
    slug = finding.section.replace(".", "-")
    return f"part-{slug}-{finding.part_id}" if finding.part_id else f"section-{slug}"


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)


@register.simple_tag
def list_query(**params: Any) -> str:
    """``?group=…&scope=…`` for the links of a (grouped or scoped) list; empty when neither."""
    present = {k: v for k, v in params.items() if v not in (None, "")}
    return "?" + urlencode(present) if present else ""


@register.simple_tag
def allows(section: Section, access: Any, item: Any = None, action: str = "edit") -> bool:
    """``{% allows section access item "edit" as editable %}``: the section's permission rule
    for one row (team leads change their own squad's rows only)."""
    return section.allows(access, item, action)
