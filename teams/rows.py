"""Level 2's rows drawn in Python (``Section.row``, see ``opmodel.rows``): byte for byte what
the item partials of ``templates/teams/teams.html`` draw, which stay the reference."""

from __future__ import annotations

from typing import Any

from django.template.defaultfilters import date
from django.utils.html import escape

from opmodel.rows import Rows, display, text, url_format

from .rules import may_change_squad


def _may_change(rows: Rows, item: Any) -> bool:
    """``{% may_change access item.squad_id as editable %}``."""
    return may_change_squad(rows.access, item.squad_id)


def person(rows: Rows, item: Any) -> str:
    lead = ' <span class="lead-badge">Team lead</span>' if item.is_lead else ""
    account = (
        ' · <span class="account" title="Has an opmodel account">'
        f"@{text(item.user.username)}</span>"
        if item.user
        else ""
    )
    controls = rows.controls(item, sortable=False, can_edit=_may_change(rows, item))
    return (
        f'\n<li class="part person" {rows.attrs(item)} tabindex="-1">\n'
        f'  <span class="avatar" aria-hidden="true">{text(item.name[:1])}</span>\n'
        f'  <p class="person-name">{text(item.name)}{lead}</p>\n'
        f'  <p class="desc">{text(item.role or "")}{account}</p>\n'
        f"  {controls}\n"
        "</li>\n"
    )


def _squad_link(rows: Rows, squad_id: int, squad: Any) -> str:
    return (
        f'<a class="tt-dot tt-{text(squad.team_type)}" href="{rows.url("teams-squad", squad_id)}">'
        f"{text(squad.name)}</a>"
    )


def interaction(rows: Rows, item: Any) -> str:
    mode = text(item.mode)
    purpose = f'<p class="desc">{text(item.purpose)}</p>' if item.purpose else ""
    dates = ""
    if item.starts_on or item.expected_end:
        since = f"since {text(date(item.starts_on, 'j M Y'))}" if item.starts_on else ""
        ends = f" · ends {text(date(item.expected_end, 'j M Y'))}" if item.expected_end else ""
        dates = f'<p class="ix-dates">{since}{ends}</p>'
    controls = rows.controls(item, sortable=False, can_edit=_may_change(rows, item))
    return (
        f'\n<li class="part interaction mode-{mode}" {rows.attrs(item)} tabindex="-1">\n'
        f'  <p class="ix-line">{_squad_link(rows, item.squad_id, item.squad)} '
        f'<span class="ix-mode ix-{mode}">{display(item, "mode")}</span> '
        f"{_squad_link(rows, item.partner_id, item.partner)}</p>\n"
        f"  {purpose}\n"
        f"  {dates}\n"
        f"  {controls}\n"
        "</li>\n"
    )


def capability(rows: Rows, item: Any) -> str:
    description = (
        f'<span class="cap-desc">{text(item.description)}</span>' if item.description else ""
    )
    can_edit = bool(rows.access.can_edit) if rows.access is not None else False
    pk = int(item.pk)
    return (
        f'\n<th scope="row" class="part capability" id="part-teams-capabilities-{pk}" '
        f'data-id="{pk}" data-part="teams.capabilities:{pk}" '
        f'data-revision="{int(item.revision)}" data-url="{rows.base}{pk}/" tabindex="-1">\n'
        f'  <a class="cap-name" href="{rows.url("teams-capability", pk)}">{text(item.name)}</a>\n'
        f"  {description}\n"
        f"  {rows.controls(item, sortable=False, can_edit=can_edit)}\n"
        "</th>\n"
    )


def accountability(rows: Rows, item: Any) -> str:
    role = text(item.role)
    label = display(item, "role")
    squad = "" if rows.scope else f" · {text(item.squad.name)}"
    capability = item.capability
    controls = rows.controls(item, sortable=False, can_edit=_may_change(rows, item))
    return (
        f'\n<li class="part accountability role-{role}" {rows.attrs(item)} tabindex="-1">\n'
        f'  <span class="role-letter role-{role}" title="{label}">{text(item.letter)}</span>\n'
        f'  <p><span class="acc-cap">{text(capability.name)}</span> '
        f'<span class="desc">{label}{squad} · {display(capability, "area")}</span></p>\n'
        f"  {controls}\n"
        "</li>\n"
    )


def twin_rows(interactions: Any) -> str:
    """The interaction map as a table: one row an interaction, byte for byte as the
    ``twin-row`` partial of ``teams/map.html`` draws each (120 rows through the template
    engine on the large model, issue 18); the empty table's row when there is none."""
    out = []
    for i in interactions:
        starts = text(date(i.starts_on, "j M Y")) if i.starts_on else "—"
        ends = text(date(i.expected_end, "j M Y")) if i.expected_end else "—"
        out.append(
            f'\n        <tr data-interaction="{int(i.pk)}"><th scope="row">{text(i.squad.name)} '
            f'<span class="help">({display(i.squad, "team_type")})</span></th>'
            f"<td>{display(i, 'mode')}</td><td>{text(i.partner.name)} "
            f'<span class="help">({display(i.partner, "team_type")})</span></td>'
            f"<td>{starts}</td><td>{ends}</td><td>{text(i.purpose) if i.purpose else '—'}</td>"
            "</tr>\n      "
        )
    if not out:
        return (
            '\n        <tr><td colspan="6" class="empty-inline">No interactions yet.</td></tr>\n'
            "      "
        )
    return "".join(out)


def matrix_heads(request: Any, slug: str, columns: Any) -> str:
    """The matrix's squad headers (``matrix-head`` partial of ``teams/teams.html``, byte for
    byte), a squad's URL reversed once for all (60 columns on the large model, issue 18)."""
    before, after = url_format(request, "teams-squad", slug=slug)
    return "".join(
        [
            f'<th scope="col" class="m-squad tt-{text(c.squad.team_type)}'
            f'{" is-mine" if c.editable else ""}"><a href="{before}{int(c.squad.pk)}{after}">'
            f"<span>{text(c.squad.name)}</span></a></th>"
            for c in columns
        ]
    )


def matrix_loads(columns: Any) -> str:
    """The matrix's load row, a cell a squad (``matrix-load`` partial, byte for byte)."""
    return "".join(
        [
            f'<td class="heat heat-{int(c.heat)}{" overloaded" if c.overloaded else ""}" '
            f'title="{text(c.squad.name)}: accountable or responsible for {int(c.load)}">'
            f"{int(c.load)}</td>"
            for c in columns
        ]
    )


def load_items(columns: Any, limit: int) -> str:
    """The load per squad as a list, the matrix's text twin (``load-item`` partial, byte for
    byte)."""
    over = f', <strong class="bad">over the limit of {int(limit)}</strong>'
    return "".join(
        [
            f'<li data-squad="{int(c.squad.pk)}"><strong>{text(c.squad.name)}</strong> '
            f"({display(c.squad, 'team_type')}): accountable or responsible for {int(c.load)}"
            f"{over if c.overloaded else ''}</li>"
            for c in columns
        ]
    )


def cell(capability_id: int, squad_id: int, row: Any, editable: bool, saved: bool = False) -> str:
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


def matrix_cells(columns: Any, row: Any) -> str:
    """A matrix row's cells, one per column (see ``cell``)."""
    capability_id, roles = row.capability.pk, row.roles
    return "".join(
        [cell(capability_id, c.squad.pk, roles.get(c.squad.pk), c.editable) for c in columns]
    )


def _acount(row: Any) -> str:
    """The row's count of accountable squads: 1, or a warning with the count."""
    if not row.broken:
        return '<td class="m-acount">1</td>'
    title = (
        f"{int(row.accountable)} accountable squads: exactly one should be"
        if row.accountable
        else "No accountable squad"
    )
    return f'<td class="m-acount bad"><span title="{title}">⚠ {int(row.accountable)}</span></td>'


def matrix_rows(drawn: Rows, columns: Any, rows: list[Any]) -> str:
    """An area's rows of the matrix (the capability, its count of accountable squads, its
    cells), byte for byte as the ``matrix-row`` partial draws each: one ``Rows`` for the area's
    capabilities instead of a template loop and a ``Rows`` a row (75 rows of 60 cells in an
    area of the large model, issue 18)."""
    out = []
    for row in rows:
        broken = " broken" if row.broken else ""
        out.append(
            f'\n      <tr class="m-row{broken}" id="cap-{int(row.capability.pk)}">\n        '
            f"{drawn.draw([row.capability])}\n        {_acount(row)}\n        "
            f"{matrix_cells(columns, row)}\n      </tr>\n      "
        )
    return "".join(out)
