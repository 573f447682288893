"""Template helpers for Level 2: they format what the views give the partials (the data comes
from ``teams.partials`` through ``Section.partial_context``); none of them queries."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from opmodel.access import Access
from opmodel.rows import Rows, safe

from .. import rows, selectors
from ..rules import led_squads, may_change_squad

register = template.Library()


@register.simple_tag
def matrix_cells(matrix: selectors.Matrix, row: selectors.MatrixRow) -> SafeString:
    """A matrix row's cells, one per column (``teams.rows.matrix_cells``)."""
    return safe(rows.matrix_cells(matrix.columns, row))


@register.simple_tag(takes_context=True)
def matrix_rows(
    context: template.Context, matrix: selectors.Matrix, rows_: list[selectors.MatrixRow]
) -> SafeString:
    """``{% matrix_rows m rows %}``: an area's rows of the matrix (the capability, its count of
    accountable squads, its cells), byte for byte as the ``matrix-row`` partial draws each: one
    ``Rows`` for the area's capabilities instead of a template loop and a ``Rows`` a row (75
    rows of 60 cells in an area of the large model, issue 18)."""
    return safe(rows.matrix_rows(Rows(context, context["section"]), matrix.columns, rows_))


@register.simple_tag
def matrix_cell(cell: selectors.Cell, saved: bool = False) -> SafeString:
    """One cell alone (after a change, or a cancelled picker)."""
    return safe(rows.cell(cell.capability_id, cell.squad_id, cell.row, cell.editable, saved))


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
