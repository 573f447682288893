"""Template helpers shared by every level's pages."""

from __future__ import annotations

from typing import Any, cast

from django import template
from django.db import models
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from opmodel.registry import Section, registry

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
# a template include and several reverse() calls per row made large pages slow) ----


def _base(context: template.Context, operating_model: Any, section: Section) -> str:
    """The section's URL prefix (``/m/<slug>/s/<section>/``), reversed once per request."""
    request = context.get("request")
    cache: dict[tuple[str, str], str] = (
        request.__dict__.setdefault("_opmodel_part_bases", {}) if request is not None else {}
    )
    key = (operating_model.slug, section.slug)
    if key not in cache:
        cache[key] = reverse(
            "section-list", kwargs={"slug": operating_model.slug, "key": section.slug}
        )
    return cache[key]


@register.simple_tag(takes_context=True)
def part_attrs(context: template.Context, item: Any) -> str:
    """The attributes every row's root element carries: its DOM id, id, revision and URL."""
    section: Section = context["section"]
    base = _base(context, context["om"], section)
    return format_html(
        'id="part-{}-{}" data-id="{}" data-part="{}:{}" data-revision="{}" data-url="{}{}/"',
        section.slug,
        item.pk,
        item.pk,
        section.key,
        item.pk,
        item.revision,
        base,
        item.pk,
    )


_ICONS = {
    name: f'<svg class="icon"><use href="#i-{name}"/></svg>'
    for name in ("edit", "up", "down", "left", "right", "history", "trash", "grip")
}


@register.simple_tag(takes_context=True)
def part_controls(
    context: template.Context,
    item: Any,
    horizontal: bool = False,
    sortable: bool = True,
    can_edit: bool | None = None,
) -> str:
    """Edit, move, history and delete controls of a row, for people who may change it.

    Every control is a link or a form that works without JavaScript; htmx swaps in place.
    Built as one string with each value escaped once: a page can hold hundreds of rows.
    ``can_edit`` (default: the context's) says whether this user may change this row.
    """
    if not (context.get("can_edit") if can_edit is None else can_edit):
        return ""
    section: Section = context["section"]
    url = escape(f"{_base(context, context['om'], section)}{item.pk}/")
    label = escape(str(item))
    back, forth = ("left", "right") if horizontal else ("up", "down")
    html = [
        f'<div class="controls" role="group" aria-label="Actions for {label}">'
        f'<a class="icon-btn" href="{url}edit/" hx-get="{url}edit/" hx-target="closest .part" '
        f'hx-swap="outerHTML" title="Edit" aria-label="Edit {label}">{_ICONS["edit"]}</a>'
    ]
    orderable = not section.singleton and section.orderable
    if orderable:
        csrf = escape(str(context.get("csrf_token", "")))
        dom = f"{escape(section.slug)}-{int(item.pk)}"
        html.append(
            f'<form method="post" action="{url}move/" hx-post="{url}move/" class="inline-form">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
            f'<button type="submit" name="offset" value="-1" class="icon-btn" id="move-up-{dom}" '
            f'title="Move {back}" aria-label="Move {label} {back}">{_ICONS[back]}</button>'
            f'<button type="submit" name="offset" value="1" class="icon-btn" '
            f'id="move-down-{dom}" title="Move {forth}" aria-label="Move {label} {forth}">'
            f"{_ICONS[forth]}</button></form>"
        )
    html.append(
        f'<a class="icon-btn" href="{url}history/" title="History" '
        f'aria-label="History of {label}">{_ICONS["history"]}</a>'
    )
    if not section.singleton:
        scope = context.get("scope")
        query = escape(f"?{urlencode({'scope': scope})}") if scope not in (None, "") else ""
        html.append(
            f'<a class="icon-btn danger" href="{url}delete/{query}" hx-get="{url}delete/{query}" '
            f'hx-target="closest .part" hx-swap="outerHTML" title="Delete" '
            f'aria-label="Delete {label}">{_ICONS["trash"]}</a>'
        )
        if sortable and orderable:
            html.append(
                '<span class="drag-handle" title="Drag to reorder" aria-hidden="true">'
                f"{_ICONS['grip']}</span>"
            )
    html.append("</div>")
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped


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
