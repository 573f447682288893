"""Driving a page with the keyboard alone, and checking what the keyboard's user sees.

Every helper here presses keys (``page.keyboard``); none clicks. Each Tab is checked: the focus
moved (never trapped) and the focused element shows a visible focus indicator (an outline, or
the focus ring token's box-shadow, or, for a link of an SVG picture, a thicker stroke) and is
not hidden under something else (the sticky top bar)."""

from __future__ import annotations

from tests.e2e.conftest import settled

FOCUSED = "(sel) => !!document.activeElement && document.activeElement.matches(sel)"

# What the focused element looks like. The focus ring is the accent colour (--focus, --accent:
# rgb(247, 179, 43)); any visible outline counts too.
FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {ok: false, what: "the page itself (focus lost)"};
  const what = el.outerHTML.slice(0, 160);
  const ring = (s) => (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0)
    || /247, 179, 43/.test(s.boxShadow) || /247, 179, 43/.test(s.outlineColor);
  // not hidden under something else, such as the sticky top bar (WCAG 2.4.11)
  const r = el.getBoundingClientRect();
  if (r.width > 0 && r.height > 0) {
    const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
    const y = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
    const hit = document.elementFromPoint(x, y);
    // (inside one SVG picture, a line drawn across a box does not hide it)
    const svg = el.closest("svg");
    const shared = hit && (hit === el || el.contains(hit) || hit.contains(el) ||
      (svg && svg.contains(hit)));
    if (hit && !shared) return {ok: false, what: what + " is under " + hit.outerHTML.slice(0, 80)};
  }
  if (ring(getComputedStyle(el))) return {ok: true, what};
  if (el instanceof SVGElement) {
    const shape = el.querySelector("rect, polygon");
    if (shape && parseFloat(getComputedStyle(shape).strokeWidth) >= 3) return {ok: true, what};
  }
  return {ok: false, what};
}"""


def focus_is_shown(page) -> None:
    shown = page.evaluate(FOCUS_SHOWN)
    assert shown["ok"], f"no visible focus on {shown['what']}"


# One round trip per Tab stop: after the key press the page says at once whether the focus moved
# (from what was focused before the press), left the document, is shown, and is on the target.
TAB_STOP = f"""(sel) => {{
  const before = window.opmodelTabBefore, now = document.activeElement;
  window.opmodelTabBefore = now;
  if (now === before && now !== document.body) return {{stuck: now.outerHTML.slice(0, 160)}};
  if (!now || now === document.body) return {{left: true}};
  return {{shown: ({FOCUS_SHOWN})(), found: ({FOCUSED})(sel)}};
}}"""


def tab_to(page, selector: str, limit: int = 250, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focus is on ``selector``; every stop on the way must
    show its focus, and every press must move it."""
    key = "Shift+Tab" if backwards else "Tab"
    wraps = 0
    page.evaluate("() => { window.opmodelTabBefore = document.activeElement; }")
    for _ in range(limit):
        page.keyboard.press(key)
        stop = page.evaluate(TAB_STOP, selector)
        if "stuck" in stop:
            raise AssertionError(f"{key} did not move the focus from {stop['stuck']}")
        if stop.get("left"):
            # past the last control the focus leaves the document (to the browser's own UI);
            # the next Tab starts again at the top. Twice round means it is not there.
            wraps += 1
            if wraps > 2:
                break
            continue
        assert stop["shown"]["ok"], f"no visible focus on {stop['shown']['what']}"
        if stop["found"]:
            return
    raise AssertionError(f"{selector} cannot be reached with the {key} key")


def press(page, selector: str, key: str = "Enter") -> None:
    tab_to(page, selector)
    page.keyboard.press(key)
    settled(page)


def focus_within(page, selector: str, timeout: int = 5_000) -> None:
    """The focus lands in (or on) ``selector`` (after a swap), and it is shown."""
    try:
        page.wait_for_function(
            "(sel) => { const a = document.activeElement; const t = document.querySelector(sel);"
            " return !!a && !!t && a !== document.body && (t === a || t.contains(a)); }",
            arg=selector,
            timeout=timeout,
        )
    except Exception as exc:
        where = page.evaluate("() => document.activeElement.outerHTML.slice(0, 200)")
        raise AssertionError(f"the focus is not in {selector} but on {where}") from exc
    focus_is_shown(page)


def select_all_and_type(page, text: str) -> None:
    page.keyboard.press("Control+a")
    page.keyboard.type(text)
