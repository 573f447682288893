"""Template helpers for Level 2: they format what the views give the partials (the data comes
from ``teams.partials`` through ``Section.partial_context``); none of them queries."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from opmodel.access import Access
from opmodel.rows import Rows, safe

from .. import rows, selectors
from ..rules import led_squads, may_change_squad

register = template.Library()


def _td(capability_id: int, squad_id: int, row: Any, editable: bool, saved: bool = False) -> str:
    """One matrix cell as it shows until someone opens its picker (``teams.html#cell`` renders
    the picker). Built in Python: the large model's matrix has 18,000 cells, and a template
    partial per cell made the page take seconds. A cell is one element and no URL (issue 18:
    4,500 cells of 154 bytes each were 678 KiB of the page): the table says where a cell's page
    is (``data-cells``, its URL is ``<data-cells><capability>/<squad>/``), app.js opens the
    picker of an ``editable`` cell in place (one listener for the whole matrix) and moves the
    keyboard through the cells (a roving tabindex: arrows, Enter), naming the focused cell
    (its role, squad and capability). Without JavaScript a capability's name links to its roles
    squad by squad, each editable one a link to the cell's page. Letters and roles are fixed
    strings. A cell with a role carries the accountability's id (``data-i``): the room marks the
    cell of an accountability the facilitator brings everyone to."""
    classes = "cell"
    letter = item = ""
    if row is not None:
        classes += f" role-{escape(row.role)}"
        letter, item = row.letter, f' data-i="{int(row.pk)}"'
    if editable:
        classes += " editable"
    if saved:
        classes += " saved"
    return f'<td class="{classes}" id="cell-{capability_id}-{squad_id}"{item}>{letter}</td>'


@register.simple_tag
def matrix_cells(matrix: selectors.Matrix, row: selectors.MatrixRow) -> SafeString:
    """A matrix row's cells, one per column (see _td)."""
    capability_id, roles = row.capability.pk, row.roles
    return mark_safe(  # noqa: S308 - see _td
        "".join(
            [
                _td(capability_id, c.squad.pk, roles.get(c.squad.pk), c.editable)
                for c in matrix.columns
            ]
        )
    )


def _acount(row: selectors.MatrixRow) -> str:
    """The row's count of accountable squads: 1, or a warning with the count."""
    if not row.broken:
        return '<td class="m-acount">1</td>'
    title = (
        f"{int(row.accountable)} accountable squads: exactly one should be"
        if row.accountable
        else "No accountable squad"
    )
    return f'<td class="m-acount bad"><span title="{title}">⚠ {int(row.accountable)}</span></td>'


@register.simple_tag(takes_context=True)
def matrix_rows(
    context: template.Context, matrix: selectors.Matrix, rows_: list[selectors.MatrixRow]
) -> SafeString:
    """``{% matrix_rows m rows %}``: an area's rows of the matrix (the capability, its count of
    accountable squads, its cells), byte for byte as the ``matrix-row`` partial draws each: one
    ``Rows`` for the area's capabilities instead of a template loop and a ``Rows`` a row (75
    rows of 60 cells in an area of the large model, issue 18)."""
    drawn = Rows(context, context["section"])
    out = []
    for row in rows_:
        broken = " broken" if row.broken else ""
        out.append(
            f'\n      <tr class="m-row{broken}" id="cap-{int(row.capability.pk)}">\n        '
            f"{drawn.draw([row.capability])}\n        {_acount(row)}\n        "
            f"{matrix_cells(matrix, row)}\n      </tr>\n      "
        )
    return safe("".join(out))


@register.simple_tag
def matrix_cell(cell: selectors.Cell, saved: bool = False) -> SafeString:
    """One cell alone (after a change, or a cancelled picker)."""
    td = _td(cell.capability_id, cell.squad_id, cell.row, cell.editable, saved)
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
    return safe(rows.twin_rows(interactions))


@register.simple_tag(takes_context=True)
def matrix_heads(context: template.Context, matrix: selectors.Matrix) -> SafeString:
    """``{% matrix_heads m %}``: the squads' column headers (``teams.rows.matrix_heads``)."""
    return safe(rows.matrix_heads(context.get("request"), context["om"].slug, matrix.columns))


@register.simple_tag
def matrix_loads(matrix: selectors.Matrix) -> SafeString:
    """``{% matrix_loads m %}``: the squads' load cells (``teams.rows.matrix_loads``)."""
    return safe(rows.matrix_loads(matrix.columns))


@register.simple_tag
def load_items(matrix: selectors.Matrix) -> SafeString:
    """``{% load_items m %}``: the load per squad as a list (``teams.rows.load_items``)."""
    return safe(rows.load_items(matrix.columns, matrix.limit))
