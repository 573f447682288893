"""Level 2's rows drawn in Python (``Section.row``, see ``opmodel.rows``): byte for byte what
the item partials of ``templates/teams/teams.html`` draw, which stay the reference."""

from __future__ import annotations

from typing import Any

from django.template.defaultfilters import date

from opmodel.rows import Rows, display, text

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
