"""Reflow (WCAG 1.4.10), resize to 200 % (1.4.4) and motion (2.3.3) on every main page.

At 320 CSS px wide, and at 640 (a 1280 px window at 200 % zoom), no page scrolls sideways
(document.scrollingElement.scrollWidth <= clientWidth). What is two-dimensional by nature (the
accountability matrix, the swim lanes) scrolls inside its own region, which the keyboard can
reach and scroll (tabindex=0) and which says what it is (role=region, aria-label). The pages are
every page of the model's navigation (so a newly registered page is checked too) plus a squad,
a journey, the dashboard, a workshop and its room. With prefers-reduced-motion nothing on these
pages transitions or animates."""

from __future__ import annotations

import pytest

from journeys.models import Journey
from teams.models import Squad
from tests.e2e.conftest import login
from tests.workshops.conftest import make_workshop
from workshops import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCROLLS_ITSELF = [".matrix-scroll", ".sl-scroll"]

PAGE_OVERFLOW = """() => {
  const s = document.scrollingElement;
  const wide = [];
  if (s.scrollWidth > s.clientWidth) {
    // name the widest elements that stick out, to say what to fix
    for (const el of document.querySelectorAll("body *")) {
      const r = el.getBoundingClientRect();
      if (r.right > s.clientWidth + 1 && r.width > 0) {
        let inside = false;
        for (let p = el.parentElement; p; p = p.parentElement) {
          const o = getComputedStyle(p).overflowX;
          if (o === "auto" || o === "scroll" || o === "hidden") { inside = true; break; }
        }
        const cls = typeof el.className === "string" ? el.className.split(" ").join(".") : "";
        if (!inside) wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
          (cls ? "." + cls : "") + " right=" + Math.round(r.right));
      }
    }
  }
  return {scroll: s.scrollWidth, client: s.clientWidth, wide: wide.slice(0, 8)};
}"""

REGIONS = """(selectors) => selectors.flatMap((sel) => [...document.querySelectorAll(sel)].map(
(el) => ({
  sel, role: el.getAttribute("role"), tabindex: el.getAttribute("tabindex"),
  label: el.getAttribute("aria-label") || el.getAttribute("aria-labelledby"),
  overflow: getComputedStyle(el).overflowX,
})))"""

MOVING = """() => [...document.querySelectorAll("*")].filter((el) => {
  for (const pseudo of [null, "::before", "::after"]) {
    const s = getComputedStyle(el, pseudo);
    const t = s.transitionDuration.split(",").some((d) => parseFloat(d) > 0);
    if (t || s.animationName !== "none") return true;
  }
  return false;
}).map((el) => el.tagName.toLowerCase() + "." + String(el.className)).slice(0, 8)"""


@pytest.fixture
def pages(om, people) -> list[str]:
    workshop = make_workshop(om, people["facilitator"], sections=["teams.squads", "canvas.stages"])
    services.attendee_add(
        workshop=workshop, actor=people["facilitator"], user=people["participant"]
    )
    squad = Squad.objects.filter(operating_model=om).order_by("position").first()
    journey = Journey.objects.filter(operating_model=om).order_by("position").first()
    assert squad and journey
    base = f"/m/{om.slug}"
    return [
        "/",
        f"{base}/teams/squads/{squad.pk}/",
        f"{base}/journeys/{journey.pk}/",
        f"{base}/journeys/squads/{squad.pk}/",
        f"{base}/workshops/{workshop.pk}/",
        f"{base}/workshops/{workshop.pk}/room/",
        f"{base}/workshops/new/",  # the workshop form (a row of three fields)
        f"{base}/workshops/{workshop.pk}/next/",
    ]


def _model_nav(page, base: str, slug: str) -> list[str]:
    page.goto(f"{base}/m/{slug}/")
    return page.eval_on_selector_all(
        "nav.model-nav a", "links => links.map((a) => a.getAttribute('href'))"
    )


def test_no_page_scrolls_sideways_and_nothing_moves_for_those_who_ask(
    browser, asgi_server, om, pages, artifacts
):
    """Each page is loaded once and looked at 320 and 640 CSS px wide, then with
    prefers-reduced-motion: reduce (nothing transitions or animates) and without it."""
    page = login(browser, asgi_server, "facilitator")
    urls = _model_nav(page, asgi_server, om.slug) + pages
    assert len(urls) > 12
    problems: dict[str, object] = {}
    regions_seen: set[str] = set()
    moving: dict[str, object] = {}
    moves_without_the_preference = False
    for url in urls:
        page.set_viewport_size({"width": 1440, "height": 900})
        page.emulate_media(reduced_motion="no-preference")
        page.goto(asgi_server + url)
        page.wait_for_load_state("load")
        moves_without_the_preference |= bool(page.evaluate(MOVING))
        page.emulate_media(reduced_motion="reduce")
        if found := page.evaluate(MOVING):
            moving[url] = found
        for width in (320, 640):
            page.set_viewport_size({"width": width, "height": 800})
            overflow = page.evaluate(PAGE_OVERFLOW)
            if overflow["scroll"] > overflow["client"]:
                problems[f"{url} at {width}"] = overflow
                page.screenshot(path=str(artifacts / f"reflow-{width}-{len(problems)}.png"))
            for region in page.evaluate(REGIONS, SCROLLS_ITSELF):
                regions_seen.add(region["sel"])
                if not (
                    region["role"] == "region"
                    and region["tabindex"] == "0"
                    and region["label"]
                    and region["overflow"] in ("auto", "scroll")
                ):
                    problems[f"{url} {region['sel']}"] = region
    assert problems == {}, "\n".join(f"{url}: {what}" for url, what in problems.items())
    assert regions_seen == set(SCROLLS_ITSELF)  # the matrix and the swim lanes were seen
    assert moving == {}, "\n".join(f"{url}: {what}" for url, what in moving.items())
    # the guard can fail: without the preference the same pages do move (the row controls
    # fade in, toasts fade out)
    assert moves_without_the_preference
    # the scripts ask the same media query (room.js: "bring everyone here" scrolls instantly)
    assert page.evaluate("() => matchMedia('(prefers-reduced-motion: reduce)').matches")
    page.context.close()
