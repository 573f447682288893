"""The fast row renderer shared by every big list (issue 18).

A list of hundreds of rows drawn through a template partial per row spends most of its time in
the template engine: a variable lookup, ``localize`` and ``conditional_escape`` for every value,
a ``{% url %}`` and a ``get_FOO_display`` per row. A section may therefore name a ``row``
function (``Section.row``) that draws one row of its item partial in Python, byte for byte as
the partial does; the list partials draw their rows with ``{% draw_rows rows %}``, which builds
one ``Rows`` for the whole list (the section's URL prefix reversed once, the CSRF token, the
escaped section names, the user's rights) and calls the section's ``row`` for each row.

The item partial stays the readable reference and draws a row alone (a live refresh, a
cancelled form): ``tests/opmodel/test_rows.py`` renders every row of every section that has a
``row`` function both ways, for every role, and asserts the same bytes.

Values are escaped as a template escapes them (``text``); Markdown goes through the same cached
renderer as the ``markdown`` filter; choice labels come from a dict built once per field.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.html import conditional_escape, escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from opmodel.richtext import render_markdown

if TYPE_CHECKING:
    from opmodel.registry import Section

# Draws one row (an item partial's output) from the list's shared ``Rows`` and the row.
RowRender = Callable[["Rows", Any], str]


def safe(html: str) -> SafeString:
    """Marks what ``Rows`` and the row functions built as safe: they escape every value they
    put in (``text``, ``escape``), and Markdown comes sanitised from ``opmodel.richtext``."""
    return mark_safe(html)  # noqa: S308 - every value is escaped where it is put in


def text(value: Any) -> str:
    """A value as ``{{ value }}`` shows it: escaped unless safe (strings and numbers only: a
    date or a decimal would be localised by a template, so format those before)."""
    return str(conditional_escape(value))


def markdown(value: str | None) -> str:
    """``{{ value|markdown }}``."""
    return str(render_markdown(value))


@cache
def choice_labels(model: Any, name: str) -> dict[Any, str]:
    """``get_FOO_display`` as a dict: a field's choice labels by value, built once."""
    field = model._meta.get_field(name)
    return {value: str(label) for value, label in field.flatchoices}


def display(row: Any, name: str) -> str:
    """``{{ row.get_FOO_display }}``: the value's label, escaped (the value if it has none)."""
    value = getattr(row, name)
    return text(choice_labels(row.__class__, name).get(value, value))


def section_base(request: Any, slug: str, section: Section) -> str:
    """The section's URL prefix (``/m/<slug>/s/<section>/``), reversed once per request."""
    cache_: dict[tuple[str, str], str] = (
        request.__dict__.setdefault("_opmodel_part_bases", {}) if request is not None else {}
    )
    key = (slug, section.slug)
    if key not in cache_:
        cache_[key] = reverse("section-list", kwargs={"slug": slug, "key": section.slug})
    return cache_[key]


_PK = 987654321  # stands for a row's id in a reversed URL


def url_format(request: Any, name: str, **kwargs: Any) -> tuple[str, str]:
    """The escaped parts before and after the ``pk`` of URL ``name`` (``{% url name ... pk %}``
    is ``before + pk + after``), reversed once per request."""
    cache_: dict[Any, tuple[str, str]] = (
        request.__dict__.setdefault("_opmodel_url_formats", {}) if request is not None else {}
    )
    key = (name, *sorted(kwargs.items()))
    if key not in cache_:
        before, after = reverse(name, kwargs={**kwargs, "pk": _PK}).split(str(_PK))
        cache_[key] = (escape(before), escape(after))
    return cache_[key]


class Rows:
    """What the rows of one list share, worked out once: the section's escaped URL prefix,
    names and CSRF token, the list's scope and the context's ``can_edit`` and ``access``."""

    def __init__(self, context: Any, section: Section) -> None:
        self.context = context
        self.section = section
        self.om = context["om"]
        self.request = context.get("request")
        self.base = escape(section_base(self.request, self.om.slug, section))
        self.slug = escape(section.slug)
        self.key = escape(section.key)
        self.scope = context.get("scope")
        self.can_edit = context.get("can_edit")
        self.access = context.get("access")
        self._csrf: str | None = None
        self._labels: dict[int, str] = {}

    @property
    def csrf(self) -> str:
        if self._csrf is None:
            self._csrf = escape(str(self.context.get("csrf_token", "")))
        return self._csrf

    def attrs(self, item: Any) -> str:
        """``{% part_attrs item %}``: the row's DOM id, id, revision and URL."""
        pk = int(item.pk)
        return (
            f'id="part-{self.slug}-{pk}" data-id="{pk}" data-part="{self.key}:{pk}" '
            f'data-revision="{int(item.revision)}" data-url="{self.base}{pk}/"'
        )

    def url(self, name: str, pk: Any) -> str:
        """``{% url name om.slug pk %}``, escaped, for a URL of this model that takes a row id."""
        before, after = url_format(self.request, name, slug=self.om.slug)
        return f"{before}{int(pk)}{after}"

    def controls(
        self,
        item: Any,
        horizontal: bool = False,
        sortable: bool = True,
        can_edit: bool | None = None,
        scope: Any = ...,
    ) -> str:
        """``{% part_controls item %}``: edit and move, for people who may change the row
        (``can_edit``, default: the context's). Cheap per row by design, since a big list
        repeats them hundreds of times (issue 18):

        - the Edit link has its URL once and no htmx attributes (app.js opens its form in place
          of the row: one listener for every list); the row's History and Delete are in that
          form (``opmodel/_part_form.html``), one step away, not repeated on every row;
        - the move buttons carry only the row (``up``/``down`` = ``section:id``) and submit the
          page's one ``#row-move`` form (``base.html``: the CSRF token once per page);
        - no ids, no classes but the icon's: the stylesheet draws ``.controls > a, button`` as
          icon buttons with their icon (``i-<name>``) and tooltip (``aria-label``), and app.js
          gives the keyboard back to a move button by its ``name`` and ``value``.

        Without JavaScript every control works as before: Edit opens the form's page (with its
        History and Delete), the move buttons post the form."""
        if not (self.can_edit if can_edit is None else can_edit):
            return ""
        section = self.section
        pk = int(item.pk)
        label = escape(str(item))
        scope = self.scope if scope is ... else scope
        query = escape(f"?{urlencode({'scope': scope})}") if scope not in (None, "") else ""
        html = [
            f'<div class="controls" role="group" aria-label="Actions for {label}">'
            f'<a class="i-edit" href="{self.base}{pk}/edit/{query}" aria-label="Edit {label}"></a>'
        ]
        if not section.singleton and section.orderable:
            back, forth = ("left", "right") if horizontal else ("up", "down")
            row = f"{self.slug}:{pk}"
            html.append(
                f'<button form="row-move" name="up" value="{row}" class="i-{back}" '
                f'aria-label="Move {label} {back}"></button>'
                f'<button form="row-move" name="down" value="{row}" class="i-{forth}" '
                f'aria-label="Move {label} {forth}"></button>'
            )
            if sortable:
                html.append('<span class="drag-handle i-grip"></span>')
        html.append("</div>")
        return "".join(html)

    def draw(self, items: Any) -> str:
        """Every row of ``items`` by the section's ``row`` function."""
        row = self.section.row
        if row is None:
            raise ValueError(f"section {self.section.key!r} has no row function")
        return "".join([row(self, item) for item in items])
