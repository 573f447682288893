"""Template helpers shared by every level's pages."""

from __future__ import annotations

from typing import Any, cast

from django import template
from django.db import models
from django.urls import reverse

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
    name = section.group_field
    if name is None:
        return [("", section.title, list(rows))]
    field = cast("models.Field[Any, Any]", section.model._meta.get_field(name))
    rows = list(rows)
    return [
        (str(value), str(label), [r for r in rows if getattr(r, name) == value])
        for value, label in field.flatchoices
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


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> str:
    """Render user text as Markdown, sanitised (see ``opmodel.richtext``)."""
    from opmodel.richtext import render_markdown

    return render_markdown(text)
