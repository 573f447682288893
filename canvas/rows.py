"""Level 1's rows drawn in Python (``Section.row``, see ``opmodel.rows``): byte for byte what
the item partials of ``templates/canvas/canvas.html`` draw, which stay the reference."""

from __future__ import annotations

from typing import Any

from opmodel.rows import Rows, display, markdown, text

STAR = '<svg class="icon star" aria-label="North star"><use href="#i-star"/></svg>'


def _md(css: str, value: str) -> str:
    return f'<div class="{css}">{markdown(value)}</div>' if value else ""


def stage(rows: Rows, item: Any) -> str:
    outcome = (
        f'<p class="outcome"><span>Outcome</span> {text(item.outcome)}</p>' if item.outcome else ""
    )
    return (
        f'\n<li class="part stage" {rows.attrs(item)} tabindex="-1">\n'
        f"  <h3>{text(item.name)}</h3>\n"
        f"  {_md('desc md', item.description)}\n"
        f"  {outcome}\n"
        f"  {rows.controls(item, horizontal=True)}\n"
        "</li>\n"
    )


def metric(rows: Rows, item: Any) -> str:
    star = item.is_north_star
    values = ""
    if item.target or item.current:
        current = (
            f'<span class="now" title="Current value">{text(item.current)}</span>'
            if item.current
            else ""
        )
        target = f'<span class="target" title="Target">→ {text(item.target)}</span>'
        unit = f' <span class="unit">{text(item.unit)}</span>' if item.unit else ""
        values = f'<p class="metric-values">{current}{target if item.target else ""}{unit}</p>'
    return (
        f'\n<li class="part metric{" is-north-star" if star else ""}" {rows.attrs(item)} '
        'tabindex="-1">\n'
        f'  <p class="metric-name">{STAR if star else ""}{text(item.name)}</p>\n'
        f"  {values}\n"
        f"  {_md('desc md', item.description)}\n"
        f"  {rows.controls(item)}\n"
        "</li>\n"
    )


def principle(rows: Rows, item: Any) -> str:
    statement = f'<p class="desc">{text(item.statement)}</p>' if item.statement else ""
    implies = (
        '<div class="implies"><span>Implies</span> '
        f'<div class="md">{markdown(item.implications)}</div></div>'
        if item.implications
        else ""
    )
    return (
        f'\n<li class="part principle" {rows.attrs(item)} tabindex="-1">\n'
        f'  <p class="principle-name">{text(item.name)}</p>\n'
        f"  {statement}\n"
        f"  {implies}\n"
        f"  {rows.controls(item)}\n"
        "</li>\n"
    )


def technology(rows: Rows, item: Any) -> str:
    category = f' <span class="tag">{text(item.category)}</span>' if item.category else ""
    return (
        f'\n<li class="part technology" {rows.attrs(item)} tabindex="-1">\n'
        f'  <p class="tech-name">{text(item.name)}{category}</p>\n'
        f"  {_md('desc md', item.purpose)}\n"
        f"  {rows.controls(item)}\n"
        "</li>\n"
    )


def skill(rows: Rows, item: Any) -> str:
    level = text(item.target_level)
    return (
        f'\n<li class="part skill" {rows.attrs(item)} tabindex="-1">\n'
        f'  <p class="skill-name">{text(item.name)} <span class="level level-{level}">'
        f"{display(item, 'target_level')}</span></p>\n"
        f"  {_md('desc md', item.description)}\n"
        f"  {rows.controls(item)}\n"
        "</li>\n"
    )
