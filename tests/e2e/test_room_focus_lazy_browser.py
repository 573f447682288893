"""The facilitator's focus and summon reach a section whose list is still on its way (issue 18).

The room loads its sections lazily; a focus or a summon may arrive while the target's list is
being fetched. Here the browser holds each section's ``room/sections/<slug>/`` answer until the
event has arrived (Playwright ``page.route``), deterministically, for a representative lazily
loaded section of each level:

- a summon into a section on its way marks the item once the list is in, and the mark stays
  while it is the focus, also when the list is swapped again (a change heard while it was on
  its way fetches it once more);
- a newer focus wins over a summon whose section lands later: nobody is taken back to it, and
  the newer focus keeps its mark;
- an accountability summoned marks its cell of the matrix.
"""

from __future__ import annotations

import time

import pytest

from opmodel.registry import registry
from opmodel.services import part_update
from tests.e2e.conftest import login
from tests.workshops.conftest import room_with_guest
from workshops import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOP = "canvas.purpose"  # drawn when the page opens (in view): the "newer focus" of each case
# a summon into a section on its way: its item is marked
SUMMONED_LATE = ["canvas.stages", "teams.squads", "journeys.journeys"]
# a newer focus wins over a summon (or a focus) whose section lands later (levels 1, 2, 3)
OVERTAKEN = [
    ("canvas.principles", True),
    ("teams.interactions", True),
    ("journeys.steps", False),
]
SECTIONS = [TOP, *SUMMONED_LATE, *(key for key, _ in OVERTAKEN)]
# the matrix: an accountability summoned is marked on its cell (which carries only its id)
MATRIX = "teams.accountabilities"

IN_VIEW = (
    "(sel) => { const r = document.querySelector(sel).getBoundingClientRect();"
    " return r.top >= 0 && r.bottom <= innerHeight; }"
)
TOP_IN_VIEW = (
    "(sel) => { const t = document.querySelector(sel).getBoundingClientRect().top;"
    " return t >= 0 && t < innerHeight / 2; }"
)
COUNT_EVENTS = """() => {
    window.changesHeard = 0;
    window.settledIds = {};
    document.addEventListener("htmx:sseMessage", (e) => {
        if (e.detail && e.detail.type === "change") window.changesHeard++;
    });
    document.addEventListener("htmx:afterSettle", (e) => {
        const id = e.detail.elt && e.detail.elt.id;
        if (id) window.settledIds[id] = (window.settledIds[id] || 0) + 1;
    });
}"""


class HeldSections:
    """Holds the answer of each named section's lazy list until released."""

    def __init__(self, page, slugs: list[str]) -> None:
        self.page = page
        self.slugs = set(slugs)
        self.routes: dict[str, object] = {}
        page.route("**/room/sections/**", self._handle)

    def _handle(self, route) -> None:
        slug = route.request.url.rstrip("/").rsplit("/", 1)[-1]
        if slug in self.slugs:
            self.routes[slug] = route
        else:
            route.continue_()

    def on_its_way(self, slug: str) -> None:
        """Wait until the section's list has been asked for (and is held)."""
        deadline = time.monotonic() + 30
        while slug not in self.routes:
            assert time.monotonic() < deadline, f"{slug}: its list was never asked for"
            self.page.wait_for_timeout(50)

    def release(self, slug: str) -> None:
        self.slugs.discard(slug)
        route = self.routes.pop(slug, None)
        if route is not None:
            route.continue_()  # type: ignore[attr-defined]


@pytest.fixture
def room(om, people, make_user):
    return room_with_guest(om, people, make_user, [*SECTIONS, MATRIX])


def _still(page) -> float:
    """Where the page rests once a smooth scroll has ended."""
    last = None
    while True:
        now = page.evaluate("() => scrollY")
        if now == last:
            return now
        last = now
        page.wait_for_timeout(250)


def _row(section, item) -> str:
    """The item's row: its part, or what shows it (the table of journeys: data-item)."""
    if section.key == "journeys.journeys":
        return f'[data-item="{section.key}:{item.pk}"]'
    return f"#part-{section.slug}-{item.pk}"


def _last_item(workshop, key: str):
    return list(registry.get(key).rows(workshop.operating_model))[-1]


def test_a_focus_or_summon_into_a_section_on_its_way_is_marked_and_never_overtakes_a_newer_one(
    browser, asgi_server, local_broadcaster, room, people, artifacts
):
    fac = people["facilitator"]
    slugs = [registry.get(k).slug for k in SECTIONS[1:]]
    url = f"{asgi_server}/m/{room.operating_model.slug}/workshops/{room.pk}/room/"
    page = login(browser, asgi_server, "guest")
    page.set_viewport_size({"width": 1440, "height": 900})
    held = HeldSections(page, slugs)
    page.goto(url)
    page.wait_for_selector('#live-status[data-state="live"]', timeout=10_000)
    page.wait_for_selector(f"#section-{registry.get(TOP).slug}")
    page.evaluate(COUNT_EVENTS)

    # a summon into a section on its way, and a change to that section heard meanwhile: the
    # item is marked once the list is in, and stays marked through the list fetched again
    for key in SUMMONED_LATE:
        section = registry.get(key)
        item = _last_item(room, key)
        row = _row(section, item)
        services.summon(workshop=room, actor=fac, section=key, part_id=item.pk)
        page.wait_for_selector(f"#room-section-{section.slug}.is-focus")
        held.on_its_way(section.slug)
        heard = page.evaluate("() => window.changesHeard")
        part_update(
            section=section,
            part=item,
            revision=item.revision,
            actor=people["editor"],
            data={"name": f"{item.name} (renamed on its way)"},
        )
        page.wait_for_function("(n) => window.changesHeard > n", arg=heard)
        list_id = f"section-{section.slug}"
        with page.expect_response(
            lambda r, s=section.slug: r.url.endswith(f"/{s}/") and "/room/sections/" not in r.url
        ):
            held.release(section.slug)
        page.wait_for_function("(id) => (window.settledIds[id] || 0) >= 2", arg=list_id)
        page.wait_for_selector(f"{row}:has-text('renamed on its way')")
        page.wait_for_timeout(1_800)  # longer than the arrival's pulse
        assert page.locator(f"{row}.is-summoned").count() == 1, key
        assert page.locator(".room-sections .is-summoned").count() == 1, key
        assert page.evaluate(IN_VIEW, row), key
        assert page.locator(".room-section.is-focus").count() == 1, key
        page.screenshot(path=str(artifacts / f"room-summon-late-{section.slug}.png"))

    # a summon (or a focus) into a section on its way, then a newer focus on a section in
    # place: the late list changes nothing when it lands
    top = f"#room-section-{registry.get(TOP).slug}"
    for key, with_item in OVERTAKEN:
        section = registry.get(key)
        if with_item:
            item = _last_item(room, key)
            services.summon(workshop=room, actor=fac, section=key, part_id=item.pk)
        else:
            services.focus_set(workshop=room, actor=fac, section=key)
        page.wait_for_selector(f"#room-section-{section.slug}.is-focus")
        held.on_its_way(section.slug)
        services.focus_set(workshop=room, actor=fac, section=TOP)
        page.wait_for_selector(f"{top}.is-focus")
        page.wait_for_function(TOP_IN_VIEW, arg=top)
        scrolled = _still(page)
        held.release(section.slug)
        page.wait_for_selector(f"#section-{section.slug}")
        page.wait_for_timeout(300)  # whatever the late list would set off has run
        assert page.locator(f"{top}.is-focus").count() == 1, key
        assert page.locator(f"#room-section-{section.slug}.is-focus").count() == 0, key
        assert page.locator(".room-sections .is-summoned").count() == 0, key
        assert page.evaluate(TOP_IN_VIEW, top), key  # not taken to the late section
        assert abs(page.evaluate("() => scrollY") - scrolled) < 5, key
    page.screenshot(path=str(artifacts / "room-focus-overtaken.png"))

    # an accountability summoned into the matrix (loaded on the way): its cell is marked
    accountability = _last_item(room, MATRIX)
    cell = f"#cell-{accountability.capability_id}-{accountability.squad_id}"
    services.summon(workshop=room, actor=fac, section=MATRIX, part_id=accountability.pk)
    page.wait_for_selector(f"{cell}.is-summoned")
    page.wait_for_timeout(1_800)  # longer than the arrival's pulse
    assert page.locator(".room-sections .is-summoned").count() == 1
    assert page.evaluate(IN_VIEW, cell)
    page.screenshot(path=str(artifacts / "room-summon-cell.png"))
    for slug in list(held.routes):
        held.release(slug)
    assert page.js_errors == []
    page.context.close()
