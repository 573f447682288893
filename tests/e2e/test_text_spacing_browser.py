"""Text spacing (WCAG 1.4.12): with the criterion's spacing forced on every element (the
"text spacing bookmarklet": line height 1.5 × the font size, paragraph spacing 2 × the font size,
letter spacing 0.12 ×, word spacing 0.16 ×), no text of any page is lost: nothing that shows text
cuts it off (a box that hides what overflows it, with more text than room), and no text spills
out of a box of fixed size over what follows.

The pages are the accessibility audit's (every HTML page the URL audit knows, tests/e2e/axe.py),
as the facilitator (who sees every control), each loaded once and looked at 1440×900 and then
390×844. What is already cut off without the spacing, by design, is not counted: only what the
spacing cuts off (a line-clamped preview, a one-line label with an ellipsis, would be counted if
the spacing made it lose more)."""

from __future__ import annotations

import pytest

from tests.conftest import session_cookie
from tests.e2e.axe import NARROW, RELAID, WIDE, _audited, _prepare, _settle
from tests.e2e.conftest import settled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

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


def _look(page, name: str, size: str, found: dict[str, str]) -> None:
    before = page.evaluate(LOST)
    page.evaluate(SPACING)
    page.evaluate(RELAID)
    after = page.evaluate(LOST)
    page.evaluate("() => document.getElementById('text-spacing').remove()")
    for where, (amount, what) in after.items():
        # lost only with the spacing, or more of it than without (a line's fraction)
        if amount > before.get(where, [0])[0] + 4:
            found[f"{name} [{size}] {where}"] = what


# A box that fits its words without the spacing and cuts them off with it: the check must see it.
CANARY = """() => {
  const box = document.createElement("div");
  box.id = "spacing-canary";
  box.style.cssText = "height: 20px; width: 150px; overflow: hidden; font: 14px/1.2 monospace";
  box.textContent = "Fits in one line";
  document.querySelector("main").appendChild(box);
}"""


def test_no_text_is_lost_with_the_wcag_text_spacing_on_every_page(
    browser, asgi_server, local_broadcaster, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    setup, groups = _prepare()
    facilitator = setup["people"]["facilitator"]
    cookie = session_cookie(facilitator)["sessionid"]
    pages, _ = _audited(
        groups,
        asgi_server,
        {"facilitator": cookie, "lead": cookie, "viewer": cookie, "anonymous": None},
    )
    pages = [p for p in pages if "facilitator" in p.roles]
    assert len(pages) > 40, [p.name for p in pages]
    # the spacing goes in as an inline style sheet, which the app's CSP (nonces) rightly refuses
    context = browser.new_context(viewport=WIDE, bypass_csp=True)
    host = asgi_server.split("//")[1].split(":")[0]
    context.add_cookies([{"name": "sessionid", "value": cookie, "domain": host, "path": "/"}])
    page = context.new_page()
    found: dict[str, str] = {}
    # the check sees text cut off by the spacing (on the first page, then taken away)
    page.goto(asgi_server + pages[0].url)
    _settle(page)
    page.evaluate(CANARY)
    canary: dict[str, str] = {}
    _look(page, "canary", "1440", canary)
    shape = page.evaluate(
        "() => { const b = document.getElementById('spacing-canary');"
        " return [location.pathname, b.clientWidth, b.clientHeight, b.scrollHeight]; }"
    )
    assert any("spacing-canary" in where for where in canary), (canary, shape)
    for audited in pages:
        response = page.goto(asgi_server + audited.url)
        assert response is not None and response.status == 200, audited.name
        _settle(page)
        _look(page, audited.name, "1440", found)
        page.set_viewport_size(NARROW)
        page.evaluate(RELAID)
        settled(page)
        _look(page, audited.name, "390", found)
        page.set_viewport_size(WIDE)
    context.close()
    print(f"\ntext spacing: {len(pages)} pages at 2 sizes, {len(found)} places lose text")
    for where, what in sorted(found.items()):
        print(f"  {where}: {what}")
    assert found == {}
