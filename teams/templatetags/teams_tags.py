"""Template helpers for Level 2: they format what the views give the partials (the data comes
from ``teams.partials`` through ``Section.partial_context``); none of them queries."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from opmodel.access import Access

from .. import selectors
from ..rules import led_squads, may_change_squad

register = template.Library()


def _td(
    capability_id: int,
    squad_id: int,
    row: Any,
    editable: bool,
    url: str,
    saved: bool = False,
) -> str:
    """One matrix cell as it shows until someone opens its picker (``teams.html#cell`` renders
    the picker). Built in Python: the large model's matrix has 18,000 cells, and a template
    partial per cell made the page take seconds. An editable cell is a plain link to its page;
    app.js opens the picker in place (one listener for the whole matrix, not htmx attributes on
    every cell). ``url`` is the matrix page's, escaped; letters and roles are fixed strings."""
    classes = "cell"
    letter = label = ""
    if row is not None:
        role = escape(row.role)
        classes += f" role-{role}"
        letter, label = row.letter, role.capitalize()
    if editable:
        classes += " editable"
    if saved:
        classes += " saved"
    tag = f'<td class="{classes}" id="cell-{capability_id}-{squad_id}">'
    if not editable:
        return f"{tag}{letter}</td>"
    return (
        f'{tag}<a href="{url}{capability_id}/{squad_id}/" class="cell-btn"'
        f' aria-label="{label or "No role"}: change">{letter or "·"}</a></td>'
    )


@register.simple_tag
def matrix_cells(matrix: selectors.Matrix, row: selectors.MatrixRow, matrix_url: str) -> SafeString:
    """A matrix row's cells, one per column (see _td)."""
    url = escape(matrix_url)
    capability_id, roles = row.capability.pk, row.roles
    return mark_safe(  # noqa: S308 - see _td
        "".join(
            [
                _td(capability_id, c.squad.pk, roles.get(c.squad.pk), c.editable, url)
                for c in matrix.columns
            ]
        )
    )


@register.simple_tag
def matrix_cell(cell: selectors.Cell, matrix_url: str, saved: bool = False) -> SafeString:
    """One cell alone (after a change, or a cancelled picker)."""
    td = _td(cell.capability_id, cell.squad_id, cell.row, cell.editable, escape(matrix_url), saved)
    return mark_safe(td)  # noqa: S308 - see _td


@register.simple_tag
def may_change(access: Access, squad_id: Any) -> bool:
    """May this user change what belongs to the squad (its people, cells, interactions)?"""
    return may_change_squad(access, squad_id)


@register.simple_tag
def leads(access: Access) -> frozenset[int]:
    return led_squads(access)


@register.simple_tag
def twin_rows(interactions: Any) -> SafeString:
    """``{% twin_rows interactions %}``: the interaction map as a table, its rows drawn in
    Python (``teams.rows.twin_rows``) as the ``twin-row`` partial of ``teams/map.html`` draws
    each."""
    from ..rows import twin_rows as draw

    return mark_safe(draw(interactions))  # noqa: S308 - teams.rows escapes every value
