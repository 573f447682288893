"""Text spacing (WCAG 1.4.12), the check's machinery: with the criterion's spacing forced on every
element (the "text spacing bookmarklet": line height 1.5 × the font size, paragraph spacing 2 ×
the font size, letter spacing 0.12 ×, word spacing 0.16 ×), no text of any page is lost: nothing
that shows text cuts it off (a box that hides what overflows it, with more text than room), and
no text spills out of a box of fixed size over what follows.

The pages are the accessibility audit's (every HTML page the URL audit knows, tests/e2e/axe.py),
as the facilitator (who sees every control), looked at 1440×900 and then 390×844. The check runs
in the facilitator's visit of the axe audit (the same load, after axe at each size: a page is
loaded once for both checks), and is reported by a test of its own per page group
(``test_no_text_is_lost_with_the_wcag_text_spacing_on_every_page`` in tests/e2e/test_axe*).
What is already cut off without the spacing, by design, is not counted: only what the spacing
cuts off (a line-clamped preview, a one-line label with an ellipsis, would be counted if the
spacing made it lose more)."""

from __future__ import annotations

from dataclasses import dataclass, field

SPACING = """() => {
  const style = document.createElement("style");
  style.id = "text-spacing";
  style.textContent = `* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }`;
  document.head.appendChild(style);
}"""

# Every visible element that holds text of its own and loses some of it: its own box, or a box
# around it, hides what overflows (overflow hidden or clip) and its content is larger than the
# box; or it spills out of its own box (overflow visible). Keys are selector-like paths, values
# how many pixels are lost and what.
LOST = """() => {
  const lost = {};
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      parts.unshift(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
        (e.classList.length ? "." + [...e.classList].slice(0, 2).join(".") : ""));
    }
    return parts.join(" > ");
  };
  const hidden = (s) => /hidden|clip/.test(s.overflowX + " " + s.overflowY);
  const skip = ".visually-hidden, script, style, template, svg, [hidden], [aria-hidden=true], "
    + "#live-toasts, .toasts";
  const words = (el) => `"${el.textContent.trim().slice(0, 40)}"`;
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest(skip)) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    const s = getComputedStyle(el);
    if (s.visibility === "hidden" || s.display === "none") continue;
    // the boxes that could cut it off: itself and its ancestors up to the first that scrolls
    for (let box = el; box && box !== document.body; box = box.parentElement) {
      const bs = getComputedStyle(box);
      if (/auto|scroll/.test(bs.overflowX + " " + bs.overflowY)) break;  // reachable by scrolling
      if (!hidden(bs)) continue;
      const tall = box.scrollHeight - box.clientHeight, wide = box.scrollWidth - box.clientWidth;
      if (tall > 1 || wide > 1) {
        const [t, w] = [Math.max(tall, 0), Math.max(wide, 0)];
        lost[path(box)] = [t + w, `cuts off ${t}px × ${w}px of ${words(box)}`];
      }
      break;
    }
    // spilling out of a box of fixed size
    if (!hidden(s) && !/auto|scroll/.test(s.overflowY) && el.scrollHeight - el.clientHeight > 4
        && el.clientHeight > 0) {
      const spill = el.scrollHeight - el.clientHeight;
      lost[path(el)] = [spill, `spills ${spill}px below its box: ${words(el)}`];
    }
  }
  return lost;
}"""

# After a change of styles: two frames for layout, and the swim lanes' arrows are redrawn 150 ms
# after the last resize (journeys.js).
RELAID = """async () => {
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  if (document.querySelector("script[src*='journeys']")) {
    await new Promise((r) => setTimeout(r, 250));
  }
}"""

# A box that fits its words without the spacing and cuts them off with it: the check must see it.
CANARY = """() => {
  const box = document.createElement("div");
  box.id = "spacing-canary";
  box.style.cssText = "height: 20px; width: 150px; overflow: hidden; font: 14px/1.2 monospace";
  box.textContent = "Fits in one line";
  document.querySelector("main").appendChild(box);
  return [location.pathname, box.clientWidth, box.clientHeight, box.scrollHeight];
}"""


@dataclass
class Spacing:
    """What the text spacing check found: places that lose text (page [size] where -> what),
    the pages looked at, and the canary's finding (the check seeing a box made to lose text)."""

    found: dict[str, str] = field(default_factory=dict)
    pages: set[str] = field(default_factory=set)
    looks: int = 0
    canary: dict[str, str] = field(default_factory=dict)
    canary_shape: list = field(default_factory=list)

    def look(self, page, name: str, size: str, into: dict[str, str] | None = None) -> None:
        """What the spacing cuts off on the page as it is now (the spacing taken away after)."""
        before = page.evaluate(LOST)
        page.evaluate(SPACING)
        page.evaluate(RELAID)
        after = page.evaluate(LOST)
        page.evaluate("() => document.getElementById('text-spacing').remove()")
        self.looks += 1
        found = self.found if into is None else into
        for where, (amount, what) in after.items():
            # lost only with the spacing, or more of it than without (a line's fraction)
            if amount > before.get(where, [0])[0] + 4:
                found[f"{name} [{size}] {where}"] = what

    def prove(self, page, size: str) -> None:
        """The check sees text cut off by the spacing: a canary box on the page as it is, looked
        at, then taken away."""
        self.canary_shape = page.evaluate(CANARY)
        self.look(page, "canary", size, into=self.canary)
        page.evaluate("() => document.getElementById('spacing-canary').remove()")

    def table(self) -> str:
        lines = [
            f"text spacing: {len(self.pages)} pages at 2 sizes, {len(self.found)} places lose text"
        ]
        lines += [f"  {where}: {what}" for where, what in sorted(self.found.items())]
        return "\n".join(lines)
