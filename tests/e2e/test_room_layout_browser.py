"""The room on a laptop, a wall screen and a phone, for a facilitator and a participant: no
sideways scrolling, the timer in view, no card whose text runs out of its box, and on a phone
the note form one tap away. Screenshots go to test-artifacts/room-<screen>-<who>.png."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login, settled
from tests.workshops.conftest import make_workshop
from workshops import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"laptop": (1440, 900), "wall": (1920, 1080), "phone": (390, 844)}
SECTIONS = ["canvas.metrics", "canvas.stages", "canvas.principles", "teams.squads"]
LONG = "Supercalifragilisticexpialidocious-operating-model-handbook-identifier " * 2

# The cards of the room whose text must stay inside them.
CARDS = ".room .part, .room .note, .room .proposal, .room .group, .room-bar, .room-tab"

LAYOUT = """(cards) => {
  const over = [];
  document.querySelectorAll(cards).forEach((el) => {
    if (el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1)
      over.push(el.className + ": " + el.textContent.trim().slice(0, 40));
  });
  const timer = document.querySelector(".room-timer").getBoundingClientRect();
  return {
    scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
    timer: [timer.top, timer.bottom, timer.left, timer.right],
    over: over,
  };
}"""


def _check(page, screen: str) -> None:
    width, height = SCREENS[screen]
    got = page.evaluate(LAYOUT, CARDS)
    assert got["scroll"] <= got["inner"], f"{screen}: the page scrolls sideways"
    top, bottom, left, right = got["timer"]
    assert top >= 0 and bottom <= height and left >= 0 and right <= width, f"{screen}: timer"
    assert got["over"] == [], f"{screen}: text runs out of its card"


@pytest.fixture
def room(om, people):
    workshop = make_workshop(
        om,
        people["facilitator"],
        sections=SECTIONS,
        title="Quokka operating model, spring review",
    )
    fac = people["facilitator"]
    services.attendee_add(workshop=workshop, actor=fac, user=people["participant"])
    services.timer_start(workshop=workshop, actor=people["facilitator"], block=None, minutes=12)
    services.focus_set(workshop=workshop, actor=people["facilitator"], section="canvas.metrics")
    services.note_add(workshop=workshop, actor=people["participant"], text=LONG)
    services.proposal_create(
        workshop=workshop,
        actor=people["participant"],
        section="canvas.stages",
        kind="idea",
        part=None,
        data=None,
        rationale=LONG,
    )
    return workshop


def test_the_room_fits_a_laptop_a_wall_screen_and_a_phone(
    browser, asgi_server, local_broadcaster, room, artifacts
):
    url = f"{asgi_server}/m/{room.operating_model.slug}/workshops/{room.pk}/room/"
    for who in ("facilitator", "participant"):
        page = login(browser, asgi_server, who)
        for screen, (width, height) in SCREENS.items():
            page.set_viewport_size({"width": width, "height": height})
            page.goto(url)
            page.wait_for_selector('#live-status[data-state="live"]')
            settled(page)
            _check(page, screen)
            page.screenshot(path=str(artifacts / f"room-{screen}-{who}.png"))
            if screen == "phone":
                # the sections are the first pane; the note form is one tap away, in view
                page.get_by_role("link", name="Notes").click()
                form = page.locator("#room-note-form textarea")
                box = form.bounding_box()
                assert box is not None and box["y"] + box["height"] <= height
                _check(page, screen)
                page.screenshot(path=str(artifacts / f"room-phone-{who}-notes.png"))
                if who == "facilitator":  # the controls fit a phone too
                    page.get_by_role("link", name="Facilitate").click()
                    _check(page, screen)
                    page.screenshot(path=str(artifacts / "room-phone-facilitate.png"))
        assert page.js_errors == []
        page.context.close()
