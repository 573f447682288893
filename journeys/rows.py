"""Level 3's rows drawn in Python (``Section.row``, see ``opmodel.rows``): byte for byte what
the item partials of ``templates/journeys/journeys.html`` draw, which stay the reference."""

from __future__ import annotations

from typing import Any

from opmodel.rows import Rows, choice_labels, display, text, url_format

from .models import Step

ARROWS = {"up": "⤴", "down": "⤵"}
HOLD = "hold"


def _moves(rows: Rows, item: Any, title: str) -> str:
    """The step's move form: previous/next stage, up/down in its stage."""
    pk = int(item.pk)
    url = rows.url("journeys-step-move", pk)
    csrf = rows.context.get("csrf_token")
    token = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{rows.csrf}">'
        if csrf and csrf != "NOTPROVIDED"
        else ""
    )
    buttons = [
        ("left", "step-left", "Move to the previous stage", f"Move {title} to the previous stage"),
        ("up", "step-up", "Move up in this stage", f"Move {title} up"),
        ("down", "step-down", "Move down in this stage", f"Move {title} down"),
        ("right", "step-right", "Move to the next stage", f"Move {title} to the next stage"),
    ]
    return (
        f'<form method="post" action="{url}" hx-post="{url}" hx-target="closest .journey-map" '
        f'hx-swap="outerHTML" class="inline-form move-step" aria-label="Move {title}">{token}\n'
        "      "
        + "".join(
            f'<button type="submit" name="direction" value="{d}" class="icon-btn" '
            f'id="{dom}-{pk}" title="{hint}" aria-label="{label}"><svg class="icon" '
            f'aria-hidden="true"><use href="#i-{d}"/></svg></button>'
            for d, dom, hint, label in buttons
        )
        + "\n    </form>"
    )


def _techs(item: Any) -> str:
    techs = list(item.technologies.all())
    if not techs:
        return ""
    chips = []
    for t in techs:
        hold = t.lifecycle == HOLD
        title = ' title="On hold: plan the move away"' if hold else ""
        mark = ' <span class="hold-mark">hold</span>' if hold else ""
        chips.append(
            f'<li class="tech-chip lc-{text(t.lifecycle)}"{title}>{text(t.name)}{mark}</li>'
        )
    chips_html = "".join(chips)
    return f'<ul class="step-tech">{chips_html}</ul>'


def step(rows: Rows, item: Any) -> str:
    """A step card of the swim lanes."""
    editable = rows.section.allows(rows.access, item, "edit")
    number = getattr(item, "number", None) or rows.context.get("number") or ""
    pk = int(item.pk)
    automation = text(item.automation)
    title = text(item.title)
    classes = f"part step-card auto-{automation}"
    classes += (" has-pain" if item.pain_points else "") + (" is-mine" if editable else "")
    handoff_lane = f' data-handoff-lane="{int(item.handoff_to_id)}"' if item.handoff_to_id else ""
    description = f'<p class="step-desc">{text(item.description)}</p>' if item.description else ""
    io = ""
    if item.inputs or item.outputs:
        inputs = f"<div><dt>In</dt><dd>{text(item.inputs)}</dd></div>" if item.inputs else ""
        outputs = f"<div><dt>Out</dt><dd>{text(item.outputs)}</dd></div>" if item.outputs else ""
        io = f'<dl class="step-io">{inputs}{outputs}</dl>'
    pain = (
        '<p class="step-pain"><span class="pain-label"><span aria-hidden="true">⚠</span> '
        f"Pain point</span> {text(item.pain_points)}</p>"
        if item.pain_points
        else ""
    )
    handoff = ""
    target = item.handoff_to
    if target:
        direction = getattr(item, "handoff_direction", "") or ""
        handoff = (
            f'<p class="step-handoff handoff-{text(direction or "out")}">'
            f'<span class="handoff-arrow" aria-hidden="true">{ARROWS.get(direction, "⇢")}</span>'
            f' Hands off to <span class="tt-dot tt-{text(target.team_type)}">'
            f"{text(target.name)}</span></p>"
        )
    nobody = "" if item.squad_id else '<p class="step-warn">No squad performs this step.</p>'
    findings = "".join(
        '<p class="step-warn step-finding"><span aria-hidden="true">⚑</span> No interaction with '
        f"{text(item.handoff_to.name)} in Level 2</p>"
        for f in getattr(item, "findings", ())
        if f.check == "handoff-no-interaction"
    )
    tools = ""
    if editable:
        controls = rows.controls(item, sortable=False, can_edit=editable, scope=item.stage_id)
        tools = (
            '\n  <div class="step-tools">\n'
            f"    {_moves(rows, item, title)}\n"
            f"    {controls}\n"
            '    <span class="drag-handle" title="Drag to another stage (in its lane)" '
            'aria-hidden="true"><svg class="icon"><use href="#i-grip"/></svg></span>\n'
            "  </div>\n  "
        )
    return (
        f'\n<li class="{classes}" {rows.attrs(item)} data-lane="{int(item.squad_id or 0)}" '
        f'data-stage="{int(item.stage_id)}"{handoff_lane} tabindex="-1" '
        f'aria-labelledby="step-title-{pk}">\n'
        f'  <p class="step-top"><span class="step-num">{text(number)}</span> '
        f'<span class="auto-badge auto-{automation}">{display(item, "automation")}</span></p>\n'
        f'  <p class="step-title" id="step-title-{pk}">{title}</p>\n'
        f"  {description}\n"
        f"  {io}\n"
        f"  {_techs(item)}\n"
        f"  {pain}\n"
        f"  {handoff}\n"
        f"  {nobody}\n"
        f"  {findings}\n"
        f"  {tools}\n"
        "</li>\n"
    )


def pain_rows(request: Any, slug: str, group: Any) -> str:
    """The rows of one journey's pain points table (``selectors.pain_points``), byte for byte as
    the ``pain-row`` partial of ``journeys/pain_points.html`` draws each, in one pass."""
    before, after = url_format(request, "journeys-journey", slug=slug)
    journey_url = f"{before}{int(group.journey.pk)}{after}"
    squad_before, squad_after = url_format(request, "journeys-squad", slug=slug)
    out = []
    for item in group.steps:
        manual = item.automation == "manual"
        squad = item.squad
        who = (
            f'<a class="tt-dot tt-{text(squad.team_type)}" '
            f'href="{squad_before}{int(squad.pk)}{squad_after}">{text(squad.name)}</a>'
            if squad
            else '<span class="empty-inline">Nobody</span>'
        )
        candidate = ' class="candidate"' if manual else ""
        mark = ' <span class="candidate-mark">automation candidate</span>' if manual else ""
        out.append(
            f"\n      <tr{candidate}>\n"
            f"        <td>{text(item.stage_name)}</td>\n"
            f'        <th scope="row"><a href="{journey_url}#part-journeys-steps-{int(item.pk)}">'
            f"{text(item.title)}</a></th>\n"
            f"        <td>{who}</td>\n"
            f'        <td><span class="auto-badge auto-{text(item.automation)}">'
            f"{text(item.automation_label)}</span>"
            f"{mark}</td>\n"
            f'        <td class="pain-text"><span aria-hidden="true">⚠</span> '
            f"{text(item.pain_points)}</td>\n"
            "      </tr>\n    "
        )
    return "".join(out)


def _twin_step(step: Any) -> str:
    automation = text(
        choice_labels(Step, "automation").get(step.automation, step.automation).lower()
    )
    pain = f"; pain point: {text(step.pain_points)}" if step.pain_points else ""
    target = step.handoff_to
    handoff = f"; hands off to {text(target.name)}" if target else ""
    return (
        f'<li data-step="{int(step.pk)}">{text(step.title)} '
        f'<span class="help">({automation}{pain}{handoff})</span></li>'
    )


def twin_stages(columns: Any) -> str:
    """The swim lanes as a table (the map's text twin): a row a stage, a cell a lane, byte for
    byte as the ``twin-stage`` partial of ``journeys/journeys.html`` draws each (360 cells
    through the template engine on the large model's largest journey, issue 18)."""
    out = []
    for column in columns:
        cells = []
        for lane, steps in column.cells:
            if steps:
                listed = "".join([_twin_step(step) for step in steps])
                cells.append(
                    f'<td data-lane="{text(lane.key)}"><ol class="twin-steps">{listed}</ol></td>'
                )
            else:
                cells.append(f'<td data-lane="{text(lane.key)}">—</td>')
        out.append(
            f'\n        <tr data-stage="{int(column.stage.pk)}"><th scope="row">'
            f"{text(column.number)}. {text(column.stage.name)}</th>{''.join(cells)}</tr>\n      "
        )
    return "".join(out)


def lane_cells(rows: Rows, cells: Any) -> str:
    """A stage column's lanes, each with its steps (``Column.cells``: (lane, steps) pairs), byte
    for byte as the ``lane-cell`` partial of ``journeys/journeys.html`` draws each: one ``Rows``
    for the column instead of a template loop and a ``Rows`` per lane (sixty lanes a column on
    the large model, issue 18)."""
    out = []
    for lane, steps in cells:
        key = text(lane.key)
        empty = "" if steps else " is-empty"
        name = text(lane.squad.name) if lane.squad else "No squad yet"
        out.append(
            f'\n  <div class="sl-cell{empty}" data-lane="{key}">\n'
            f'    <span class="visually-hidden">{name}:</span>\n'
            f'    <ol class="sl-steps" data-lane="{key}">{rows.draw(steps)}</ol>\n'
            "  </div>\n  "
        )
    return "".join(out)
