"""Template helpers shared by every level's pages."""

from __future__ import annotations

from typing import Any, cast

from django import template
from django.db import models
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from opmodel.registry import Section, registry
from opmodel.rows import Rows, safe

register = template.Library()


@register.simple_tag
def model_pages(operating_model: Any) -> list[dict[str, Any]]:
    """The model's pages, from the registry, for the navigation bar (``level`` groups them)."""
    return [
        {
            "title": page.title,
            "level": page.level,
            "url": reverse(page.url_name, kwargs={"slug": operating_model.slug}),
        }
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


@register.simple_tag
def live_keys(level: int | None = None) -> str:
    """The keys of the sections (of one level) a derived region depends on, for its
    ``data-live-summary``: it is refreshed when any of them changes."""
    return " ".join(s.key for s in registry.sections(level))


@register.simple_tag(takes_context=True)
def include_partial(
    context: template.Context, name: str, data: dict[str, Any], **names: Any
) -> SafeString:
    """``{% include name with ... %}`` for a section's partial drawn in a loop (the workshop
    room, a share page): ``data``, what the section's ``partial_context`` gave the view, is
    spread into the partial's context beside ``names``."""
    if context.template is None:
        raise template.TemplateSyntaxError("include_partial is used inside a template")
    partial = context.template.engine.get_template(name)
    with context.push(**names, **data):
        return mark_safe(partial.render(context))  # noqa: S308 - a template's own output


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


# ---- rows: attributes and edit controls, built in Python (a canvas can hold hundreds of rows;
# a template include and several reverse() calls per row made large pages slow): opmodel.rows ----


@register.simple_tag(takes_context=True)
def part_attrs(context: template.Context, item: Any) -> SafeString:
    """The attributes every row's root element carries: its DOM id, id, revision and URL."""
    return safe(Rows(context, context["section"]).attrs(item))


@register.simple_tag(takes_context=True)
def part_controls(
    context: template.Context,
    item: Any,
    horizontal: bool = False,
    sortable: bool = True,
    can_edit: bool | None = None,
) -> SafeString:
    """Edit, move, history and delete controls of a row, for people who may change it
    (``Rows.controls``). ``can_edit`` (default: the context's) says whether this user may
    change this row."""
    rows = Rows(context, context["section"])
    html = rows.controls(item, horizontal=horizontal, sortable=sortable, can_edit=can_edit)
    return safe(html)


@register.simple_tag(takes_context=True)
def draw_rows(context: template.Context, items: Any) -> SafeString:
    """``{% draw_rows rows %}``: every row of the context's ``section`` as its item partial
    draws it, by the section's ``row`` function (``opmodel.rows``), in one pass."""
    html = Rows(context, context["section"]).draw(items)
    return safe(html)


@register.simple_tag(takes_context=True)
def draw_row(context: template.Context, item: Any) -> SafeString:
    """``{% draw_row item %}``: one row, as ``draw_rows`` draws it (a row inside a larger
    structure drawn by the template, such as a matrix row)."""
    return safe(Rows(context, context["section"]).draw([item]))


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


@register.simple_tag
def may_export(access: Any, kind: str, release: Any = None, subject: int = 0) -> bool:
    """May this member ask for (and download) this PDF? (``opmodel.exports.rules``)"""
    from opmodel.exports.rules import export_allowed

    return export_allowed(access, kind, release=release, subject_id=subject or 0)
